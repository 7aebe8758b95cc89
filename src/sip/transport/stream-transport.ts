// TCP and TLS transports (RFC 3261 §18, §26.2.1 TLS): a listener plus the table of live connections,
// inbound and outbound alike. Sending reuses a connection by id, then by remote address, and only then
// opens a new one (RFC 3261 §18.2.2 responses; in-dialog requests to a peer behind NAT over its own
// connection). TLS is layered on an accepted TCP socket so the caps and the handshake timeout apply
// before any crypto work.
import net from 'node:net';
import tls from 'node:tls';
import { ConnectionTable, nextConnectionId } from './connection-table.ts';
import type { TransportLimits } from './limits.ts';
import { normalizeIp, StreamConnection } from './stream-connection.ts';
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

export interface StreamTransportOptions {
  host: string;
  port: number;
  limits: TransportLimits;
  /** required for TLS */
  tls?: TlsSettings;
}

export class StreamTransport implements Transport {
  readonly reliable = true;
  #server: net.Server;
  #table: ConnectionTable<StreamConnection>;
  #address = { host: '', port: 0 };
  #closed = false;
  #secureContext: tls.SecureContext | undefined;

  constructor(
    readonly protocol: 'TCP' | 'TLS',
    private readonly opts: StreamTransportOptions,
    private readonly handler: TransportHandler,
  ) {
    if (protocol === 'TLS') {
      if (!opts.tls) throw new TypeError('TLS transport needs tls settings (key and cert)');
      this.#secureContext = tls.createSecureContext({ key: opts.tls.key, cert: opts.tls.cert, ca: opts.tls.ca });
    }
    this.#table = new ConnectionTable(opts.limits);
    this.#server = net.createServer({ noDelay: true }, (socket) => this.#onAccept(socket));
    this.#server.on('error', () => {});
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

  /** test hook: run the idle/handshake sweep now */
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

  #hooks() {
    return {
      limits: this.opts.limits,
      handler: this.handler,
      now: Date.now,
      onClosed: (c: StreamConnection, reason: CloseReason) => {
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

  #onAccept(raw: net.Socket): void {
    const host = normalizeIp(raw.remoteAddress);
    const port = raw.remotePort ?? 0;
    if (this.#closed || !host || !this.#table.admits(host)) {
      // per-source / global cap: refuse before reading a byte or starting a TLS handshake
      raw.destroy();
      this.handler.onDrop?.('connection-cap', {
        transport: this.protocol,
        host,
        port,
        local: this.#address,
      });
      return;
    }
    const info: ConnectionInfo = {
      id: nextConnectionId(this.protocol),
      transport: this.protocol,
      remote: { host, port },
      local: { host: normalizeIp(raw.localAddress), port: raw.localPort ?? this.#address.port },
      inbound: true,
    };
    let socket: net.Socket = raw;
    if (this.protocol === 'TLS') {
      const t = new tls.TLSSocket(raw, {
        isServer: true,
        secureContext: this.#secureContext!,
        requestCert: this.opts.tls?.requestClientCert ?? false,
        rejectUnauthorized: false,
      });
      socket = t;
      // raw socket errors surface on the TLSSocket; keep a listener so they never become uncaught
      raw.on('error', () => {});
    }
    const conn = new StreamConnection(info, socket, this.protocol === 'TCP', this.#hooks());
    this.#table.add(conn);
    if (this.protocol === 'TLS') {
      (socket as tls.TLSSocket).once('secure', () => {
        conn.markReady();
        this.handler.onConnectionOpen?.(info);
      });
    } else {
      this.handler.onConnectionOpen?.(info);
    }
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

  #connect(target: Target, onError?: (err: TransportError) => void): StreamConnection | undefined {
    if (!this.#table.admits(target.host)) {
      queueMicrotask(() => this.#fail('SIP_ERR_TRANSPORT_CAP', target, 'connection cap reached', onError));
      return undefined;
    }
    const family = net.isIPv6(target.host) ? 6 : 4;
    let socket: net.Socket;
    if (this.protocol === 'TLS') {
      const s = this.opts.tls!;
      socket = tls.connect({
        host: target.host,
        port: target.port,
        key: s.key,
        cert: s.cert,
        ca: s.ca,
        servername: s.servername ?? (net.isIP(target.host) ? undefined : target.host),
        rejectUnauthorized: s.rejectUnauthorized ?? true,
      });
    } else {
      socket = net.connect({ host: target.host, port: target.port, family: net.isIP(target.host) ? family : 0 });
    }
    const info: ConnectionInfo = {
      id: nextConnectionId(this.protocol),
      transport: this.protocol,
      remote: { host: target.host, port: target.port },
      local: { host: '', port: 0 },
      inbound: false,
    };
    const conn = new StreamConnection(info, socket, false, this.#hooks());
    this.#table.add(conn);
    socket.once(this.protocol === 'TLS' ? 'secureConnect' : 'connect', () => {
      info.local = { host: normalizeIp(socket.localAddress), port: socket.localPort ?? 0 };
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
    return new Promise((resolve) => {
      if (!this.#server.listening) return resolve();
      this.#server.close(() => resolve());
    });
  }
}
