// A "flow": where a phone really is, as seen by the edge (RFC 3261 §18.2.1 received/rport, RFC 3581, RFC 5626 §3
// vocabulary). The registrar stores the flow of each REGISTER and the proxy sends to it instead of the Contact
// host (NAT traversal); over TCP/TLS/WS the flow is the connection (a WS phone is reachable only through it).
import type { MessageSource, SendTarget, TransportName } from '../../sip/transaction/types.ts';

export interface Flow {
  transport: TransportName;
  host: string;
  port: number;
  /** reliable transports: the connection the phone opened */
  connectionId?: string;
}

/**
 * An edge node of a cluster as other edges reach it: its id (the `registrations.node` column) and its internal
 * listener (UDP), where peer edges relay requests for the flows it owns (RFC 3327 §5.3 / RFC 5626 §5.3 spirit:
 * the request is routed back through the edge the phone's flow terminates on).
 */
export interface EdgeNode {
  id: string;
  host: string;
  port: number;
}

export function flowOf(s: MessageSource): Flow {
  return { transport: s.transport, host: s.host, port: s.port, ...(s.connectionId !== undefined ? { connectionId: s.connectionId } : {}) };
}

export function flowTarget(f: Flow): SendTarget {
  return { transport: f.transport, host: f.host, port: f.port, ...(f.connectionId !== undefined ? { connectionId: f.connectionId } : {}) };
}

function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** `X-Sy-Source` value (calls contract): `<ip>:<port>;transport=<udp|tcp|…>`. */
export function formatSource(f: Flow): string {
  return `${hostPort(f.host, f.port)};transport=${f.transport.toLowerCase()}`;
}

/** `registrations.received` column: `transport:ip:port`. */
export function formatReceived(f: Flow): string {
  return `${f.transport.toLowerCase()}:${hostPort(f.host, f.port)}`;
}

const TRANSPORTS: readonly TransportName[] = ['UDP', 'TCP', 'TLS', 'WS', 'WSS'];

/** Reads a `registrations.received` value back (formatReceived); undefined when it is not one. */
export function parseReceived(s: string): Flow | undefined {
  const m = /^([a-z]+):(?:\[([0-9a-fA-F:.]+)\]|([^:\[\]]+)):(\d{1,5})$/.exec(s);
  if (!m) return undefined;
  const transport = m[1]!.toUpperCase() as TransportName;
  const port = Number(m[4]);
  if (!TRANSPORTS.includes(transport) || port < 1 || port > 65535) return undefined;
  return { transport, host: m[2] ?? m[3]!, port };
}

/**
 * A flow as a URI parameter value (token characters only, RFC 3261 §25.1): base64url of `T|host|port|conn`. It rides
 * in our Record-Route so in-dialog requests from the app find the phone again behind NAT (like Kamailio's
 * `;alias`/nathelper), without per-dialog state at the edge.
 */
export function encodeFlow(f: Flow): string {
  return Buffer.from(`${f.transport}|${f.host}|${f.port}|${f.connectionId ?? ''}`, 'utf8').toString('base64url');
}

export function decodeFlow(v: string | null | undefined): Flow | undefined {
  if (!v || !/^[A-Za-z0-9_-]+$/.test(v)) return undefined;
  const parts = Buffer.from(v, 'base64url').toString('utf8').split('|');
  if (parts.length !== 4) return undefined;
  const [t, host, p, conn] = parts as [string, string, string, string];
  const port = Number(p);
  if (!TRANSPORTS.includes(t as TransportName) || host === '' || !Number.isInteger(port) || port <= 0 || port > 65535) return undefined;
  return { transport: t as TransportName, host, port, ...(conn !== '' ? { connectionId: conn } : {}) };
}

export function sameFlow(a: Flow, b: Flow): boolean {
  return a.transport === b.transport && a.host === b.host && a.port === b.port;
}
