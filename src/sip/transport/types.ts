// Shapes shared by every SIP transport (RFC 3261 §18). A transport moves whole SIP messages as Buffers:
// datagrams for UDP, framed byte streams for TCP/TLS (RFC 3261 §18.3), one message per WebSocket frame
// for WS/WSS (RFC 7118 §5). Parsing and Via handling live one layer up, in the stack.

export type TransportProtocol = 'UDP' | 'TCP' | 'TLS' | 'WS' | 'WSS';

export const TRANSPORT_PROTOCOLS: readonly TransportProtocol[] = ['UDP', 'TCP', 'TLS', 'WS', 'WSS'];

/** RFC 3261 §18: TCP, TLS and (RFC 7118) WebSocket are reliable; UDP is not. */
export function isReliable(p: string): boolean {
  const u = p.toUpperCase();
  return u === 'TCP' || u === 'TLS' || u === 'WS' || u === 'WSS';
}

/** A bind address meaning "every interface" (never what a peer sees as our address). */
export function isWildcardAddress(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '';
}

/** Where a message came from. `connectionId` is set for connection-oriented transports. */
export interface Source {
  transport: TransportProtocol;
  /** remote IP (IPv6 without brackets) */
  host: string;
  port: number;
  connectionId?: string;
  /** the local socket that received it */
  local: { host: string; port: number };
  /**
   * Came over the reliable in-process hop (UDP between two `reliableInProcess` transports of this process):
   * lossless and in order. The transaction layer runs such a hop as a reliable one (no retransmissions, no wait
   * timers; src/sip/transport/udp.ts).
   */
  inProcess?: true;
}

/** Where to send a message. With `connectionId` a live connection is used first (RFC 3261 §18.2.2 reuse). */
export interface Target {
  host: string;
  port: number;
  connectionId?: string;
}

export type TransportErrorCode =
  | 'SIP_ERR_TRANSPORT_CONNECT' // connect/handshake failed or timed out
  | 'SIP_ERR_TRANSPORT_CLOSED' // connection closed before/while sending
  | 'SIP_ERR_TRANSPORT_SEND' // socket write failed
  | 'SIP_ERR_TRANSPORT_NO_CONNECTION' // connection-only transport (WS server side) and no live connection
  | 'SIP_ERR_TRANSPORT_TOO_BIG' // datagram larger than the UDP limit
  | 'SIP_ERR_TRANSPORT_CAP'; // connection caps reached

export interface TransportError {
  code: TransportErrorCode;
  transport: TransportProtocol;
  target: Target;
  message: string;
}

/** Why a connection ended; reported to `onConnectionClose` (the edge drops registrations bound to it). */
export type CloseReason =
  | 'remote' // peer closed or reset
  | 'idle' // idle timeout
  | 'framing' // malformed stream (oversize message, garbage): RFC 3261 §18.3 says close it
  | 'overflow' // peer does not read: write buffer above the cap
  | 'handshake' // TLS/WS handshake failed or timed out
  | 'cap' // per-source or global connection cap
  | 'local'; // we closed it (shutdown)

export interface ConnectionInfo {
  id: string;
  transport: TransportProtocol;
  remote: { host: string; port: number };
  local: { host: string; port: number };
  /** true when the peer connected to us */
  inbound: boolean;
}

/** Callbacks a transport reports to. The stack implements them. */
export interface TransportHandler {
  /**
   * One complete SIP message (never a keep-alive). Must not throw; the transport guards anyway. `twin` is what the
   * sender handed over with the bytes on the reliable in-process hop (Transport.send): the parsed message, opaque here.
   */
  onMessage(data: Buffer, source: Source, twin?: object): void;
  onError(err: TransportError): void;
  onConnectionOpen?(info: ConnectionInfo): void;
  onConnectionClose?(info: ConnectionInfo, reason: CloseReason): void;
  /** counters: keep-alives answered, datagrams/frames dropped before parsing */
  onKeepalive?(kind: 'ping' | 'pong', source: Source): void;
  onDrop?(reason: string, source: Source): void;
}

export interface Transport {
  readonly protocol: TransportProtocol;
  readonly reliable: boolean;
  /** bound address; valid after listen() */
  readonly address: { host: string; port: number };
  listen(): Promise<void>;
  /**
   * Fire and forget. Failures go to handler.onError, and to `onError` when given (asynchronously, never
   * from inside this call), e.g. a refused connect for a message queued while connecting.
   */
  send(data: Buffer, target: Target, onError?: (err: TransportError) => void, twin?: object): void;
  /**
   * True when a datagram to `target` takes the reliable in-process hop (UDP between two `reliableInProcess`
   * transports of this process): the sender may then pass a `twin` to send, which the receiver hands to its handler
   * with the bytes, and the transaction layer runs the hop as a reliable one (Source.inProcess).
   */
  deliversReliably?(target: Target): boolean;
  /** live connections (0 for UDP) */
  readonly connectionCount: number;
  /** connection info by id, if alive */
  connection(id: string): ConnectionInfo | undefined;
  /** live connection to/from a remote address (reuse, RFC 3261 §18.2.2) */
  findConnection(host: string, port: number): ConnectionInfo | undefined;
  close(): Promise<void>;
}
