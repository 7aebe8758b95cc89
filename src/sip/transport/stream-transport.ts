// TCP and TLS transports (RFC 3261 §18, §26.2.1 TLS): a listener plus the table of live connections,
// inbound and outbound alike (the shared send/reuse path is in connection-transport.ts). TLS is layered on
// an accepted TCP socket so the caps and the handshake timeout apply before any crypto work.
import net from 'node:net';
import tls from 'node:tls';
import { ConnectionTransport } from './connection-transport.ts';
import type { TransportLimits } from './limits.ts';
import { normalizeIp, StreamConnection } from './stream-connection.ts';
import type { TlsSettings } from './tls-settings.ts';
import type { Target, TransportHandler } from './types.ts';

export interface StreamTransportOptions {
  host: string;
  port: number;
  limits: TransportLimits;
  /** required for TLS */
  tls?: TlsSettings;
}

export class StreamTransport extends ConnectionTransport<StreamConnection, 'TCP' | 'TLS', StreamTransportOptions> {
  protected readonly server: net.Server;
  #secureContext: tls.SecureContext | undefined;

  constructor(protocol: 'TCP' | 'TLS', opts: StreamTransportOptions, handler: TransportHandler) {
    super(protocol, opts, handler);
    if (protocol === 'TLS') {
      if (!opts.tls) throw new TypeError('TLS transport needs tls settings (key and cert)');
      this.#secureContext = tls.createSecureContext({ key: opts.tls.key, cert: opts.tls.cert, ca: opts.tls.ca });
    }
    this.server = net.createServer({ noDelay: true }, (socket) => this.#onAccept(socket));
    this.server.on('error', () => {});
  }

  #onAccept(raw: net.Socket): void {
    const host = normalizeIp(raw.remoteAddress);
    if (this.isClosed || !host || !this.table.admits(host)) {
      // per-source / global cap: refuse before reading a byte or starting a TLS handshake
      return this.refuseAccept(raw, host);
    }
    const info = this.inboundInfo(raw);
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
    const conn = new StreamConnection(info, socket, this.protocol === 'TCP', this.hooks());
    this.table.add(conn);
    if (this.protocol === 'TLS') {
      (socket as tls.TLSSocket).once('secure', () => {
        conn.markReady();
        this.handler.onConnectionOpen?.(info);
      });
    } else {
      this.handler.onConnectionOpen?.(info);
    }
  }

  protected dial(target: Target): StreamConnection {
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
    const info = this.outboundInfo(target);
    const conn = new StreamConnection(info, socket, false, this.hooks());
    socket.once(this.protocol === 'TLS' ? 'secureConnect' : 'connect', () => {
      info.local = { host: normalizeIp(socket.localAddress), port: socket.localPort ?? 0 };
      conn.markReady();
      this.handler.onConnectionOpen?.(info);
    });
    return conn;
  }
}
