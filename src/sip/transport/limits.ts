// Resource limits for transports. Every byte a peer can make us hold is bounded by one of these:
// a message (maxMessageBytes), the connections per source IP and in total, the write backlog per
// connection, and time (idle and handshake timeouts) so half-open TCP/WS peers cannot pin memory.

export interface TransportLimits {
  /** largest SIP message accepted on any transport (stream framer, WS frame, datagram) */
  maxMessageBytes: number;
  /** connection-oriented transports: connections per remote IP, per transport listener */
  maxConnectionsPerIp: number;
  /** connection-oriented transports: connections in total, per transport listener */
  maxConnections: number;
  /** a connection with no traffic in either direction for this long is closed (keep-alives count) */
  idleTimeoutMs: number;
  /** TLS handshake / WebSocket upgrade / outbound connect must complete within this time */
  handshakeTimeoutMs: number;
  /** bytes queued for a peer that does not read; above it the connection is closed */
  maxWriteBufferBytes: number;
  /** UDP socket buffers (SO_RCVBUF/SO_SNDBUF); 0 leaves the OS default */
  udpBufferBytes: number;
}

export const DEFAULT_LIMITS: TransportLimits = {
  // RFC 3261 §18.1.1 keeps UDP below the MTU, but TCP/WS may carry larger INVITEs (big SDP, multipart)
  maxMessageBytes: 65_535,
  maxConnectionsPerIp: 100,
  maxConnections: 20_000,
  // RFC 5626 §4.4.1 recommends keep-alives every 95–120 s on TCP: stay above that
  idleTimeoutMs: 180_000,
  handshakeTimeoutMs: 10_000,
  maxWriteBufferBytes: 1_048_576,
  udpBufferBytes: 0,
};

export function resolveLimits(partial?: Partial<TransportLimits>): TransportLimits {
  const l = { ...DEFAULT_LIMITS, ...partial };
  for (const [k, v] of Object.entries(l)) {
    if (!Number.isInteger(v) || v < 0) throw new TypeError(`transport limit ${k} must be a non-negative integer, got ${v}`);
  }
  return l;
}
