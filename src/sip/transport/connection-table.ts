// Live connections of one connection-oriented transport listener: lookup by id (responses over the same
// connection, RFC 3261 §18.2.2; in-dialog requests to a WebSocket client) and by remote address (reuse,
// RFC 3261 §18.2.1 / RFC 5923 style), per-IP and global caps, and one sweep timer for idle timeouts so a
// half-open peer costs one map entry until it is reaped, never a timer per connection.
import { randomBytes } from 'node:crypto';
import type { CloseReason, ConnectionInfo } from './types.ts';

export interface Connection {
  readonly info: ConnectionInfo;
  /** ms timestamp of the last byte in or out */
  lastActivity: number;
  readonly createdAt: number;
  /** true once the connection can carry data (connected, handshaken) */
  readonly ready: boolean;
  write(data: Buffer): void;
  close(reason: CloseReason): void;
}

let seq = 0;
/**
 * Random per process: connection ids outlive the process in shared registrations (Redis location), and a restarted
 * node must not take a dead connection's id for a new one (a request for the old phone would reach the new one).
 */
const incarnation = randomBytes(3).toString('hex');
/** Connection id unique across processes and restarts, e.g. `tcp-3fa9c1-42`. */
export function nextConnectionId(transport: string): string {
  return `${transport.toLowerCase()}-${incarnation}-${++seq}`;
}

function remoteKey(host: string, port: number): string {
  return `${host}|${port}`;
}

export class ConnectionTable<C extends Connection> {
  #byId = new Map<string, C>();
  #byRemote = new Map<string, C>();
  #perIp = new Map<string, number>();
  #sweep: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly caps: {
      maxConnections: number;
      maxConnectionsPerIp: number;
      idleTimeoutMs: number;
      handshakeTimeoutMs: number;
    },
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.#byId.size;
  }

  /** Whether one more connection from/to `ip` fits the caps. */
  admits(ip: string): boolean {
    if (this.#byId.size >= this.caps.maxConnections) return false;
    return (this.#perIp.get(ip) ?? 0) < this.caps.maxConnectionsPerIp;
  }

  /** connections from/to `ip` */
  countFor(ip: string): number {
    return this.#perIp.get(ip) ?? 0;
  }

  add(c: C): void {
    this.#byId.set(c.info.id, c);
    // newest wins for reuse: an older connection from the same address is usually dead
    this.#byRemote.set(remoteKey(c.info.remote.host, c.info.remote.port), c);
    const ip = c.info.remote.host;
    this.#perIp.set(ip, (this.#perIp.get(ip) ?? 0) + 1);
    this.#startSweep();
  }

  remove(c: C): void {
    if (this.#byId.get(c.info.id) !== c) return;
    this.#byId.delete(c.info.id);
    const k = remoteKey(c.info.remote.host, c.info.remote.port);
    if (this.#byRemote.get(k) === c) this.#byRemote.delete(k);
    const ip = c.info.remote.host;
    const n = (this.#perIp.get(ip) ?? 1) - 1;
    if (n <= 0) this.#perIp.delete(ip);
    else this.#perIp.set(ip, n);
    if (this.#byId.size === 0) this.#stopSweep();
  }

  get(id: string): C | undefined {
    return this.#byId.get(id);
  }

  byRemote(host: string, port: number): C | undefined {
    return this.#byRemote.get(remoteKey(host, port));
  }

  all(): IterableIterator<C> {
    return this.#byId.values();
  }

  closeAll(reason: CloseReason): void {
    for (const c of [...this.#byId.values()]) c.close(reason);
    this.#stopSweep();
  }

  /**
   * Close connections idle for longer than the idle timeout, and connections still not ready (connect,
   * TLS handshake, WebSocket upgrade) after the handshake timeout. Public so tests and the sweep share it.
   */
  reapIdle(): number {
    const now = this.now();
    const idleLimit = now - this.caps.idleTimeoutMs;
    const handshakeLimit = now - this.caps.handshakeTimeoutMs;
    let n = 0;
    for (const c of [...this.#byId.values()]) {
      if (!c.ready && this.caps.handshakeTimeoutMs > 0 && c.createdAt <= handshakeLimit) {
        c.close('handshake');
        n++;
      } else if (this.caps.idleTimeoutMs > 0 && c.lastActivity <= idleLimit) {
        c.close('idle');
        n++;
      }
    }
    return n;
  }

  #startSweep(): void {
    const timeouts = [this.caps.idleTimeoutMs, this.caps.handshakeTimeoutMs].filter((t) => t > 0);
    if (this.#sweep || timeouts.length === 0) return;
    // a quarter of the shortest timeout keeps the overshoot small; never more often than every 50 ms
    const every = Math.max(50, Math.floor(Math.min(...timeouts) / 4));
    this.#sweep = setInterval(() => this.reapIdle(), every);
    this.#sweep.unref();
  }

  #stopSweep(): void {
    if (this.#sweep) clearInterval(this.#sweep);
    this.#sweep = undefined;
  }
}
