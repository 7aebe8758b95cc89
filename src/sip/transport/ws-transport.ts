// WebSocket and secure WebSocket transports (RFC 7118). The HTTP(S) listener only upgrades requests that
// offer the `sip` subprotocol (RFC 7118 §4.1); anything else gets an HTTP error. Raw sockets are counted
// per IP from accept on, so a flood of half-open upgrades hits the same cap as established connections,
// and the upgrade must finish within the handshake timeout.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { ConnectionTransport } from './connection-transport.ts';
import type { TransportLimits } from './limits.ts';
import { normalizeIp } from './stream-connection.ts';
import type { TlsSettings } from './tls-settings.ts';
import type { Target, TransportHandler } from './types.ts';
import { WsConnection } from './ws-connection.ts';

export const SIP_SUBPROTOCOL = 'sip';

export interface WsTransportOptions {
  host: string;
  port: number;
  limits: TransportLimits;
  /** required for WSS */
  tls?: TlsSettings;
  /** URL path to accept upgrades on; any path when undefined */
  path?: string;
}

function offersSip(header: string | undefined): boolean {
  if (!header) return false;
  return header.split(',').some((p) => p.trim().toLowerCase() === SIP_SUBPROTOCOL);
}

function refuse(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  socket.destroy();
}

export class WsTransport extends ConnectionTransport<WsConnection, 'WS' | 'WSS', WsTransportOptions> {
  protected readonly server: http.Server | https.Server;
  #wss: WebSocketServer;
  /** accepted TCP sockets per IP, upgraded or not */
  #sockets = new Map<string, number>();
  #socketTotal = 0;

  constructor(protocol: 'WS' | 'WSS', opts: WsTransportOptions, handler: TransportHandler) {
    super(protocol, opts, handler);
    const onRequest = (_req: http.IncomingMessage, res: http.ServerResponse) => {
      res.writeHead(426, { Connection: 'close', Upgrade: 'websocket' }).end();
    };
    if (protocol === 'WSS') {
      if (!opts.tls) throw new TypeError('WSS transport needs tls settings (key and cert)');
      this.server = https.createServer(
        { key: opts.tls.key, cert: opts.tls.cert, ca: opts.tls.ca, handshakeTimeout: opts.limits.handshakeTimeoutMs },
        onRequest,
      );
    } else {
      this.server = http.createServer(onRequest);
    }
    // bound the pre-upgrade phase: slow headers / TLS handshakes are cut off
    this.server.headersTimeout = opts.limits.handshakeTimeoutMs;
    this.server.requestTimeout = opts.limits.handshakeTimeoutMs;
    this.server.on('error', () => {});
    this.server.on('clientError', (_e, socket) => socket.destroy());
    // 'connection' is the raw TCP accept for both http and https servers: count before any TLS work
    this.server.on('connection', (socket: net.Socket) => this.#onSocket(socket));
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: opts.limits.maxMessageBytes,
      perMessageDeflate: false,
      handleProtocols: (protocols) => (protocols.has(SIP_SUBPROTOCOL) ? SIP_SUBPROTOCOL : false),
    });
    this.server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => this.#onUpgrade(req, socket, head));
  }

  /** Counts every accepted TCP socket per IP (before TLS, before and after the upgrade) against the caps. */
  #onSocket(socket: net.Socket): void {
    const ip = normalizeIp(socket.remoteAddress);
    const open = this.#sockets.get(ip) ?? 0;
    if (this.isClosed || open >= this.opts.limits.maxConnectionsPerIp || this.#socketTotal >= this.opts.limits.maxConnections) {
      return this.refuseAccept(socket, ip);
    }
    this.#sockets.set(ip, open + 1);
    this.#socketTotal++;
    socket.once('close', () => {
      this.#socketTotal--;
      const n = (this.#sockets.get(ip) ?? 1) - 1;
      if (n <= 0) this.#sockets.delete(ip);
      else this.#sockets.set(ip, n);
    });
  }

  #onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.opts.path !== undefined && (req.url ?? '/').split('?')[0] !== this.opts.path) {
      return refuse(socket, 404, 'Not Found');
    }
    // RFC 7118 §4.1: the client MUST offer the "sip" subprotocol
    if (!offersSip(req.headers['sec-websocket-protocol'])) {
      return refuse(socket, 400, 'SIP WebSocket Subprotocol Required');
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      const info = this.inboundInfo(req.socket);
      const conn = new WsConnection(info, ws, true, this.hooks());
      this.table.add(conn);
      this.handler.onConnectionOpen?.(info);
    });
  }

  /** Outbound WebSocket (rare for a server: e.g. towards another WS-only SIP server). */
  protected dial(target: Target): WsConnection {
    const scheme = this.protocol === 'WSS' ? 'wss' : 'ws';
    const host = net.isIPv6(target.host) ? `[${target.host}]` : target.host;
    const s = this.opts.tls;
    const ws = new WebSocket(`${scheme}://${host}:${target.port}${this.opts.path ?? '/'}`, SIP_SUBPROTOCOL, {
      maxPayload: this.opts.limits.maxMessageBytes,
      perMessageDeflate: false,
      handshakeTimeout: this.opts.limits.handshakeTimeoutMs,
      // the name verified against the certificate: `servername` when given (a peer reached by IP), else the host
      ...(this.protocol === 'WSS'
        ? { ca: s?.ca, rejectUnauthorized: s?.rejectUnauthorized ?? true, ...(s?.servername ? { servername: s.servername } : {}) }
        : {}),
    });
    const info = this.outboundInfo(target);
    const conn = new WsConnection(info, ws, false, this.hooks());
    ws.once('open', () => {
      if (ws.protocol !== SIP_SUBPROTOCOL) {
        conn.lastError = 'server did not accept the sip subprotocol';
        conn.close('handshake');
        return;
      }
      const raw = (ws as unknown as { _socket?: net.Socket })._socket;
      info.local = { host: normalizeIp(raw?.localAddress), port: raw?.localPort ?? 0 };
      conn.markReady();
      this.handler.onConnectionOpen?.(info);
    });
    return conn;
  }

  protected override stopAccepting(): void {
    this.#wss.close();
  }
}
