// What the connection-oriented transports (TCP/TLS, RFC 3261 §18; WS/WSS, RFC 7118) share around their
// listener: the table of live connections, the bound address, lookups, and the send path that reuses a
// connection by id, then by remote address, and only then opens a new one (RFC 3261 §18.2.2 responses;
// in-dialog requests to a peer behind NAT over its own connection). Subclasses own the listener socket,
// accepting, and how an outbound connection is dialled.
import type http from 'node:http';
import net from 'node:net';
import { ConnectionTable, nextConnectionId, type Connection } from './connection-table.ts';
import type { TransportLimits } from './limits.ts';
import { normalizeIp } from './stream-connection.ts';
import type {
  CloseReason,
  ConnectionInfo,
  Target,
  Transport,
  TransportError,
  TransportErrorCode,
  TransportHandler,
  TransportProtocol,
} from './types.ts';

/** A connection as the transport tracks it: the table's view plus outbound-connect bookkeeping. */
export interface PooledConnection extends Connection {
  readonly closed: boolean;
  /** true once the connection was ever ready (distinguishes a failed connect from a closed connection) */
  readonly wasReady: boolean;
  /** message of the error that ended the connection, if any */
  lastError: string | undefined;
  /** error callbacks of messages written before the connection became ready */
  failWaiters: Array<(err: TransportError) => void>;
  markReady(): void;
}

/** What a connection needs from its transport. */
export interface ConnectionHooks<C> {
  limits: TransportLimits;
  handler: TransportHandler;
  /** called exactly once when the connection ends */
  onClosed(c: C, reason: CloseReason): void;
  now(): number;
}

export interface ListenerOptions {
  host: string;
  port: number;
  limits: TransportLimits;
}

export abstract class ConnectionTransport<C extends PooledConnection, P extends TransportProtocol, O extends ListenerOptions>
  implements Transport
{
  readonly reliable = true;
  protected readonly table: ConnectionTable<C>;
  protected abstract readonly server: net.Server;
  #address = { host: '', port: 0 };
  #closed = false;

  constructor(
    readonly protocol: P,
    protected readonly opts: O,
    protected readonly handler: TransportHandler,
  ) {
    this.table = new ConnectionTable(opts.limits);
  }

  get address(): { host: string; port: number } {
    return this.#address;
  }

  get connectionCount(): number {
    return this.table.size;
  }

  /** true once close() was called */
  protected get isClosed(): boolean {
    return this.#closed;
  }

  connection(id: string): ConnectionInfo | undefined {
    return this.table.get(id)?.info;
  }

  findConnection(host: string, port: number): ConnectionInfo | undefined {
    const c = this.table.byRemote(host, port);
    return c && !c.closed ? c.info : undefined;
  }

  /** test hook: run the idle/handshake sweep now */
  reapIdle(): number {
    return this.table.reapIdle();
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      this.server.once('error', onError);
      this.server.listen({ host: this.opts.host, port: this.opts.port, ipv6Only: net.isIPv6(this.opts.host) }, () => {
        this.server.off('error', onError);
        const a = this.server.address() as net.AddressInfo;
        this.#address = { host: a.address, port: a.port };
        resolve();
      });
    });
  }

  send(data: Buffer, target: Target, onError?: (err: TransportError) => void): void {
    if (this.#closed) {
      return queueMicrotask(() => this.fail('SIP_ERR_TRANSPORT_CLOSED', target, 'transport closed', onError));
    }
    let conn = target.connectionId ? this.table.get(target.connectionId) : undefined;
    if (!conn || conn.closed) conn = this.table.byRemote(target.host, target.port);
    if (!conn || conn.closed) {
      const opened = this.#connect(target, onError);
      if (!opened) return;
      conn = opened;
    }
    if (!conn.wasReady && onError) conn.failWaiters.push(onError);
    conn.write(data);
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    this.table.closeAll('local');
    this.stopAccepting();
    return new Promise((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
      // an HTTP listener (WS/WSS) keeps idle keep-alive sockets open, which would hold close() back
      if ('closeAllConnections' in this.server) (this.server as http.Server).closeAllConnections();
    });
  }

  /** Open an outbound connection to `target` (caps already checked); it is added to the table by the caller. */
  protected abstract dial(target: Target): C;

  /** Called by close() before the listener closes. */
  protected stopAccepting(): void {}

  protected inboundInfo(raw: net.Socket): ConnectionInfo {
    return {
      id: nextConnectionId(this.protocol),
      transport: this.protocol,
      remote: { host: normalizeIp(raw.remoteAddress), port: raw.remotePort ?? 0 },
      local: { host: normalizeIp(raw.localAddress), port: raw.localPort ?? this.#address.port },
      inbound: true,
    };
  }

  /** Local address is filled in once the connection is up. */
  protected outboundInfo(target: Target): ConnectionInfo {
    return {
      id: nextConnectionId(this.protocol),
      transport: this.protocol,
      remote: { host: target.host, port: target.port },
      local: { host: '', port: 0 },
      inbound: false,
    };
  }

  protected hooks(): ConnectionHooks<C> {
    return {
      limits: this.opts.limits,
      handler: this.handler,
      now: Date.now,
      onClosed: (c: C, reason: CloseReason) => {
        this.table.remove(c);
        if (!c.info.inbound && !c.wasReady) {
          const { host, port } = c.info.remote;
          const message = c.lastError ?? `connect failed (${reason})`;
          const waiters = c.failWaiters.splice(0);
          this.fail('SIP_ERR_TRANSPORT_CONNECT', { host, port }, message);
          for (const w of waiters) w({ code: 'SIP_ERR_TRANSPORT_CONNECT', transport: this.protocol, target: { host, port }, message });
        } else {
          this.handler.onConnectionClose?.(c.info, reason);
        }
      },
    };
  }

  /** An accept refused by the caps (or after close), before reading a byte. */
  protected refuseAccept(socket: net.Socket, host: string): void {
    socket.destroy();
    this.handler.onDrop?.('connection-cap', { transport: this.protocol, host, port: socket.remotePort ?? 0, local: this.#address });
  }

  #connect(target: Target, onError?: (err: TransportError) => void): C | undefined {
    if (!this.table.admits(target.host)) {
      queueMicrotask(() => this.fail('SIP_ERR_TRANSPORT_CAP', target, 'connection cap reached', onError));
      return undefined;
    }
    const conn = this.dial(target);
    this.table.add(conn);
    return conn;
  }

  protected fail(code: TransportErrorCode, target: Target, message: string, onError?: (err: TransportError) => void): void {
    const err: TransportError = { code, transport: this.protocol, target, message };
    this.handler.onError(err);
    onError?.(err);
  }
}
