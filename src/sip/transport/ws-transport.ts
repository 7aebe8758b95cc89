// WebSocket and secure WebSocket transports (RFC 7118). The HTTP(S) listener only upgrades requests that
// offer the `sip` subprotocol (RFC 7118 §4.1); anything else gets an HTTP error. Raw sockets are counted
// per IP from accept on, so a flood of half-open upgrades hits the same cap as established connections,
// and the upgrade must finish within the handshake timeout.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { ConnectionTable, nextConnectionId } from './connection-table.ts';
import type { TransportLimits } from './limits.ts';
import { normalizeIp } from './stream-connection.ts';
import type { TlsSettings } from './tls-settings.ts';
import type {
  CloseReason,
  ConnectionInfo,
  Target,
  Transport,
  TransportError,
  TransportErrorCode,
  TransportHandler,
} from './types.ts';
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

export class WsTransport implements Transport {
  readonly reliable = true;
  #server: http.Server | https.Server;
  #wss: WebSocketServer;
  #table: ConnectionTable<WsConnection>;
  /** accepted TCP sockets per IP, upgraded or not */
  #sockets = new Map<string, number>();
  #socketTotal = 0;
  #address = { host: '', port: 0 };
  #closed = false;

  constructor(
    readonly protocol: 'WS' | 'WSS',
    private readonly opts: WsTransportOptions,
    private readonly handler: TransportHandler,
  ) {
    this.#table = new ConnectionTable(opts.limits);
    const onRequest = (_req: http.IncomingMessage, res: http.ServerResponse) => {
      res.writeHead(426, { Connection: 'close', Upgrade: 'websocket' }).end();
    };
    if (protocol === 'WSS') {
      if (!opts.tls) throw new TypeError('WSS transport needs tls settings (key and cert)');
      this.#server = https.createServer(
        { key: opts.tls.key, cert: opts.tls.cert, ca: opts.tls.ca, handshakeTimeout: opts.limits.handshakeTimeoutMs },
        onRequest,
      );
    } else {
      this.#server = http.createServer(onRequest);
    }
    // bound the pre-upgrade phase: slow headers / TLS handshakes are cut off
    this.#server.headersTimeout = opts.limits.handshakeTimeoutMs;
    this.#server.requestTimeout = opts.limits.handshakeTimeoutMs;
    this.#server.on('error', () => {});
    this.#server.on('clientError', (_e, socket) => socket.destroy());
    // 'connection' is the raw TCP accept for both http and https servers: count before any TLS work
    this.#server.on('connection', (socket: net.Socket) => this.#onSocket(socket));
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: opts.limits.maxMessageBytes,
      perMessageDeflate: false,
      handleProtocols: (protocols) => (protocols.has(SIP_SUBPROTOCOL) ? SIP_SUBPROTOCOL : false),
    });
    this.#server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => this.#onUpgrade(req, socket, head));
  }

  get address(): { host: string; port: number } {
    return this.#address;
  }

  get connectionCount(): number {
    return this.#table.size;
  }

  connection(id: string): ConnectionInfo | undefined {
    return this.#table.get(id)?.info;
  }

  findConnection(host: string, port: number): ConnectionInfo | undefined {
    const c = this.#table.byRemote(host, port);
    return c && !c.closed ? c.info : undefined;
  }

  reapIdle(): number {
    return this.#table.reapIdle();
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      this.#server.once('error', onError);
      this.#server.listen({ host: this.opts.host, port: this.opts.port, ipv6Only: net.isIPv6(this.opts.host) }, () => {
        this.#server.off('error', onError);
        const a = this.#server.address() as net.AddressInfo;
        this.#address = { host: a.address, port: a.port };
        resolve();
      });
    });
  }

  /** Counts every accepted TCP socket per IP (before TLS, before and after the upgrade) against the caps. */
  #onSocket(socket: net.Socket): void {
    const ip = normalizeIp(socket.remoteAddress);
    const open = this.#sockets.get(ip) ?? 0;
    if (this.#closed || open >= this.opts.limits.maxConnectionsPerIp || this.#socketTotal >= this.opts.limits.maxConnections) {
      socket.destroy();
      this.handler.onDrop?.('connection-cap', { transport: this.protocol, host: ip, port: socket.remotePort ?? 0, local: this.#address });
      return;
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
      const raw = req.socket;
      const info: ConnectionInfo = {
        id: nextConnectionId(this.protocol),
        transport: this.protocol,
        remote: { host: normalizeIp(raw.remoteAddress), port: raw.remotePort ?? 0 },
        local: { host: normalizeIp(raw.localAddress), port: raw.localPort ?? this.#address.port },
        inbound: true,
      };
      const conn = new WsConnection(info, ws, true, this.#hooks());
      this.#table.add(conn);
      this.handler.onConnectionOpen?.(info);
    });
  }

  #hooks() {
    return {
      limits: this.opts.limits,
      handler: this.handler,
      now: Date.now,
      onClosed: (c: WsConnection, reason: CloseReason) => {
        this.#table.remove(c);
        if (!c.info.inbound && !c.wasReady) {
          const { host, port } = c.info.remote;
          const message = c.lastError ?? `connect failed (${reason})`;
          const waiters = c.failWaiters.splice(0);
          this.#fail('SIP_ERR_TRANSPORT_CONNECT', { host, port }, message);
          for (const w of waiters) w({ code: 'SIP_ERR_TRANSPORT_CONNECT', transport: this.protocol, target: { host, port }, message });
        } else {
          this.handler.onConnectionClose?.(c.info, reason);
        }
      },
    };
  }

  send(data: Buffer, target: Target, onError?: (err: TransportError) => void): void {
    if (this.#closed) {
      return queueMicrotask(() => this.#fail('SIP_ERR_TRANSPORT_CLOSED', target, 'transport closed', onError));
    }
    let conn = target.connectionId ? this.#table.get(target.connectionId) : undefined;
    if (!conn || conn.closed) conn = this.#table.byRemote(target.host, target.port);
    if (!conn || conn.closed) {
      const opened = this.#connect(target, onError);
      if (!opened) return;
      conn = opened;
    }
    if (!conn.wasReady && onError) conn.failWaiters.push(onError);
    conn.write(data);
  }

  /** Outbound WebSocket (rare for a server: e.g. towards another WS-only SIP server). */
  #connect(target: Target, onError?: (err: TransportError) => void): WsConnection | undefined {
    if (!this.#table.admits(target.host)) {
      queueMicrotask(() => this.#fail('SIP_ERR_TRANSPORT_CAP', target, 'connection cap reached', onError));
      return undefined;
    }
    const scheme = this.protocol === 'WSS' ? 'wss' : 'ws';
    const host = net.isIPv6(target.host) ? `[${target.host}]` : target.host;
    const s = this.opts.tls;
    const ws = new WebSocket(`${scheme}://${host}:${target.port}${this.opts.path ?? '/'}`, SIP_SUBPROTOCOL, {
      maxPayload: this.opts.limits.maxMessageBytes,
      perMessageDeflate: false,
      handshakeTimeout: this.opts.limits.handshakeTimeoutMs,
      ...(this.protocol === 'WSS' ? { ca: s?.ca, rejectUnauthorized: s?.rejectUnauthorized ?? true } : {}),
    });
    const info: ConnectionInfo = {
      id: nextConnectionId(this.protocol),
      transport: this.protocol,
      remote: { host: target.host, port: target.port },
      local: { host: '', port: 0 },
      inbound: false,
    };
    const conn = new WsConnection(info, ws, false, this.#hooks());
    this.#table.add(conn);
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

  #fail(code: TransportErrorCode, target: Target, message: string, onError?: (err: TransportError) => void): void {
    const err: TransportError = { code, transport: this.protocol, target, message };
    this.handler.onError(err);
    onError?.(err);
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    this.#table.closeAll('local');
    this.#wss.close();
    return new Promise((resolve) => {
      if (!this.#server.listening) return resolve();
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }
}
