// One SIP-over-WebSocket connection (RFC 7118): each WebSocket message carries exactly one SIP message
// (§5), so no stream framing is needed; the `ws` library bounds a frame with maxPayload. A CRLFCRLF text
// message is the RFC 5626 keep-alive some WebRTC stacks send, answered with CRLF.
import { isUtf8 } from 'node:buffer';
import type { WebSocket } from 'ws';
import type { Connection } from './connection-table.ts';
import type { TransportLimits } from './limits.ts';
import type { CloseReason, ConnectionInfo, Source, TransportError, TransportHandler } from './types.ts';

function isKeepalive(buf: Buffer): 'ping' | 'pong' | undefined {
  if (buf.length === 4 && buf.toString('latin1') === '\r\n\r\n') return 'ping';
  if (buf.length === 2 && buf.toString('latin1') === '\r\n') return 'pong';
  return undefined;
}

export interface WsConnectionHooks {
  limits: TransportLimits;
  handler: TransportHandler;
  onClosed(c: WsConnection, reason: CloseReason): void;
  now(): number;
}

export class WsConnection implements Connection {
  lastActivity: number;
  readonly createdAt: number;
  lastError: string | undefined;
  /** error callbacks of messages written before the connection became ready */
  failWaiters: Array<(err: TransportError) => void> = [];
  wasReady: boolean;
  #ready: boolean;
  #closed = false;
  #source: Source;
  /** messages sent before an outbound connection opened (ws throws on send while CONNECTING) */
  #pending: Buffer[] = [];
  #pendingBytes = 0;

  constructor(
    readonly info: ConnectionInfo,
    private readonly ws: WebSocket,
    ready: boolean,
    private readonly hooks: WsConnectionHooks,
  ) {
    this.createdAt = this.lastActivity = hooks.now();
    this.#ready = this.wasReady = ready;
    this.#source = {
      transport: info.transport,
      host: info.remote.host,
      port: info.remote.port,
      connectionId: info.id,
      local: info.local,
    };
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => this.#onMessage(data));
    // ws answers ping frames itself; a pong or ping still proves the peer is alive
    ws.on('ping', () => (this.lastActivity = hooks.now()));
    ws.on('pong', () => (this.lastActivity = hooks.now()));
    ws.on('error', (e: Error) => {
      this.lastError = e.message;
      // ws raises an error for frames above maxPayload (close code 1009) and protocol violations
      this.close(this.#ready ? 'framing' : 'handshake');
    });
    ws.on('close', () => this.close('remote'));
  }

  get ready(): boolean {
    return this.#ready && !this.#closed;
  }

  get closed(): boolean {
    return this.#closed;
  }

  markReady(): void {
    this.failWaiters = [];
    this.#ready = this.wasReady = true;
    this.lastActivity = this.hooks.now();
    const queued = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    for (const b of queued) this.write(b);
  }

  #onMessage(raw: Buffer | ArrayBuffer | Buffer[]): void {
    if (this.#closed) return;
    this.lastActivity = this.hooks.now();
    const data = Buffer.isBuffer(raw) ? raw : Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw);
    const ka = isKeepalive(data);
    if (ka === 'ping') {
      this.write(Buffer.from('\r\n'));
      this.hooks.handler.onKeepalive?.('ping', this.#source);
      return;
    }
    if (ka === 'pong') {
      this.hooks.handler.onKeepalive?.('pong', this.#source);
      return;
    }
    try {
      this.hooks.handler.onMessage(data, this.#source);
    } catch {
      this.hooks.handler.onDrop?.('handler-threw', this.#source);
    }
  }

  write(data: Buffer): void {
    if (this.#closed) return;
    this.lastActivity = this.hooks.now();
    if (!this.#ready) {
      this.#pendingBytes += data.length;
      if (this.#pendingBytes > this.hooks.limits.maxWriteBufferBytes) this.close('overflow');
      else this.#pending.push(data);
      return;
    }
    if (this.ws.bufferedAmount + data.length > this.hooks.limits.maxWriteBufferBytes) {
      this.close('overflow');
      return;
    }
    // RFC 7118 §5: UTF-8 messages go in text frames; a body with other bytes needs a binary frame
    this.ws.send(data, { binary: !isUtf8(data) });
  }

  close(reason: CloseReason): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#pending = [];
    if (reason === 'local' || reason === 'idle') this.ws.close(1001);
    else if (reason === 'overflow' || reason === 'framing' || reason === 'handshake' || reason === 'cap') this.ws.terminate();
    // a graceful close still has to give the socket back even if the peer never answers the close frame
    if (reason !== 'remote') setTimeout(() => this.ws.terminate(), 1000).unref();
    this.hooks.onClosed(this, reason);
  }
}
