// One TCP or TLS connection carrying SIP (RFC 3261 §18.3): bytes go through the stream framer
// (Content-Length framing), CRLFCRLF pings get a CRLF pong (RFC 5626 §3.5.1, §4.4.1), a framing error
// closes the connection (RFC 3261 §18.3: the stream cannot be resynchronised), and a peer that stops
// reading is cut off once its write backlog passes the cap.
import type { Socket } from 'node:net';
import { createFramer, type FramerItem, type Framer } from './framer-adapter.ts';
import type { Connection } from './connection-table.ts';
import type { TransportLimits } from './limits.ts';
import type { CloseReason, ConnectionInfo, Source, TransportError, TransportHandler } from './types.ts';

const CRLF = Buffer.from('\r\n');

/** `::ffff:1.2.3.4` (dual-stack listener) → `1.2.3.4`, so caps and reuse see one address per peer. */
export function normalizeIp(ip: string | undefined): string {
  if (!ip) return '';
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

export interface StreamConnectionHooks {
  limits: TransportLimits;
  handler: TransportHandler;
  /** called exactly once when the connection ends */
  onClosed(c: StreamConnection, reason: CloseReason): void;
  now(): number;
}

export class StreamConnection implements Connection {
  lastActivity: number;
  readonly createdAt: number;
  /** message of the socket error that ended the connection, if any */
  lastError: string | undefined;
  /** error callbacks of messages written before the connection became ready */
  failWaiters: Array<(err: TransportError) => void> = [];
  /** true once the connection was ever ready (distinguishes a failed connect from a closed connection) */
  wasReady = false;
  #ready: boolean;
  #closed = false;
  #framer: Framer;
  #source: Source;

  constructor(
    readonly info: ConnectionInfo,
    private readonly socket: Socket,
    ready: boolean,
    private readonly hooks: StreamConnectionHooks,
  ) {
    this.createdAt = this.lastActivity = hooks.now();
    this.#ready = ready;
    this.wasReady = ready;
    this.#framer = createFramer(hooks.limits.maxMessageBytes);
    this.#source = {
      transport: info.transport,
      host: info.remote.host,
      port: info.remote.port,
      connectionId: info.id,
      local: info.local,
    };
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (e) => {
      this.lastError = e.message;
      this.close(this.#ready ? 'remote' : 'handshake');
    });
    socket.on('close', () => this.close('remote'));
    socket.on('end', () => this.close('remote'));
  }

  get ready(): boolean {
    return this.#ready && !this.#closed;
  }

  get closed(): boolean {
    return this.#closed;
  }

  markReady(): void {
    this.failWaiters = [];
    this.#ready = true;
    this.wasReady = true;
    this.lastActivity = this.hooks.now();
  }

  #onData(chunk: Buffer): void {
    if (this.#closed) return;
    this.lastActivity = this.hooks.now();
    let items: FramerItem[];
    try {
      items = this.#framer.push(chunk);
    } catch {
      this.close('framing');
      return;
    }
    for (const item of items) {
      if (this.#closed) return;
      switch (item.kind) {
        case 'message':
          try {
            this.hooks.handler.onMessage(item.data, this.#source);
          } catch {
            this.hooks.handler.onDrop?.('handler-threw', this.#source);
          }
          break;
        case 'ping':
          // RFC 5626 §4.4.1: a CRLFCRLF ping is answered with a single CRLF pong
          this.write(CRLF);
          this.hooks.handler.onKeepalive?.('ping', this.#source);
          break;
        case 'pong':
          this.hooks.handler.onKeepalive?.('pong', this.#source);
          break;
        case 'error':
          this.hooks.handler.onDrop?.(`framing: ${item.reason}`, this.#source);
          this.close('framing');
          return;
      }
    }
  }

  write(data: Buffer): void {
    if (this.#closed) return;
    this.lastActivity = this.hooks.now();
    // writes before connect/handshake are queued by Node and count against the same cap
    if (this.socket.writableLength + data.length > this.hooks.limits.maxWriteBufferBytes) {
      this.close('overflow');
      return;
    }
    this.socket.write(data);
  }

  close(reason: CloseReason): void {
    if (this.#closed) return;
    this.#closed = true;
    this.socket.destroy();
    this.hooks.onClosed(this, reason);
  }
}
