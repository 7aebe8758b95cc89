// Where a response goes (RFC 3261 §18.2.2 with RFC 3581 §4), decided from the top Via that the stack
// stamped with received/rport when the request came in.
import { isReliable, type TransportProtocol } from './types.ts';

export interface ViaLike {
  transport: string;
  host: string;
  port?: number;
  params: Map<string, string | null>;
}

export interface ResponseRoute {
  transport: TransportProtocol;
  host: string;
  port: number;
  /** reliable transports: the connection the request came in on, tried first */
  connectionId?: string;
  /** reliable transports: the request's source port (rport), to find its connection when the id is gone */
  reusePort?: number;
}

/** RFC 3261 §18.1.1 / §19.1.2 default ports: 5060, or 5061 for TLS; RFC 7118 WS 80 / WSS 443 */
export function defaultPort(transport: string): number {
  switch (transport.toUpperCase()) {
    case 'TLS':
      return 5061;
    case 'WS':
      return 80;
    case 'WSS':
      return 443;
    default:
      return 5060;
  }
}

function asTransport(t: string): TransportProtocol | undefined {
  const u = t.toUpperCase();
  return u === 'UDP' || u === 'TCP' || u === 'TLS' || u === 'WS' || u === 'WSS' ? u : undefined;
}

/**
 * - reliable transport: the request's connection if still open (`connectionId`), else a new connection to
 *   `received` (or sent-by host) at the sent-by port (§18.2.2 second paragraph);
 * - `maddr`: to maddr at the sent-by port (§18.2.2 third paragraph);
 * - unreliable with `received`: to received, at `rport` if it has a value (RFC 3581 §4), else sent-by port;
 * - otherwise: to the sent-by host and port.
 */
export function responseRoute(via: ViaLike, connectionId?: string): ResponseRoute | undefined {
  const transport = asTransport(via.transport);
  if (!transport) return undefined;
  const sentByPort = via.port ?? defaultPort(transport);
  const received = via.params.get('received') ?? undefined;
  const rport = via.params.get('rport');
  const rportNum = rport ? Number(rport) : NaN;
  const host = received || via.host;
  const rportOk = Number.isInteger(rportNum) && rportNum > 0 && rportNum < 65536;
  if (isReliable(transport)) {
    const r: ResponseRoute = { transport, host, port: sentByPort };
    if (connectionId) r.connectionId = connectionId;
    if (rportOk) r.reusePort = rportNum;
    return r;
  }
  const maddr = via.params.get('maddr');
  if (maddr) return { transport, host: maddr, port: sentByPort };
  if (received) return { transport, host: received, port: rportOk ? rportNum : sentByPort };
  return { transport, host: via.host, port: sentByPort };
}
