// UDP port pairs for the builtin relay: RTP on an even port, RTCP on the next odd one (RFC 3550 §11),
// from a bounded range (spec: 13000–19000). Ports another process holds are skipped; when no pair is left the
// caller gets `undefined` (→ `ports_exhausted`).
//
// Released pairs stay bound, idle, for reuse: binding and closing two sockets per pair (socket, bind, epoll_ctl,
// close: some twenty system calls and four libuv handles per call) cost about as much as the call's SIP datagrams.
// A released pair is handed out again only after `quarantineMs` without a packet (late media of the old call
// must not reach, nor be latched by, the new one), oldest first; until then fresh pairs are bound further along a
// cursor that walks the range. Idle pairs go back to the system after `keepIdleMs` (trim, called by the engine's
// sweep) or at once when `keepIdleMs` is 0. When the range holds nothing else, the oldest idle pair is reused
// whatever its quarantine (the range is the limit, as before pooling).
import { createSocket, type Socket } from 'node:dgram';
import { ipLiteralLookup } from '../../sip/transport/udp.ts';

export interface PortPair {
  port: number; // the even RTP port; RTCP is port + 1
  rtp: Socket;
  rtcp: Socket;
}

export interface PortPoolOptions {
  /** quiet time before a released pair is reused, ms (default 1000: longer than any packet gap of a live stream) */
  quarantineMs?: number;
  /** how long a released pair stays bound for reuse, ms (default 30 000; 0: closed at once) */
  keepIdleMs?: number;
  now?: () => number;
}

/** Idle pairs looked at per allocation for a quiet one. */
const IDLE_LOOKAHEAD = 8;

interface IdlePair {
  pair: PortPair;
  releasedAt: number;
  /** last packet seen while idle (or the release) */
  quietSince: number;
}

export class PortPool {
  /** ports bound by this pool: in use or idle */
  private readonly reserved = new Set<number>();
  /** released pairs, oldest first */
  private idle: IdlePair[] = [];
  private cursor: number;
  readonly first: number;
  readonly pairs: number;
  private readonly quarantineMs: number;
  private readonly keepIdleMs: number;
  private readonly now: () => number;
  /** after close(): nothing is kept or handed out (an offer still binding when the engine closed lets go at once) */
  private closed = false;

  constructor(
    readonly address: string,
    min: number,
    max: number,
    o: PortPoolOptions = {},
  ) {
    this.first = min % 2 === 0 ? min : min + 1;
    this.pairs = Math.max(0, Math.floor((max - this.first + 1) / 2));
    if (this.pairs === 0) throw new RangeError(`port range ${min}-${max} holds no even/odd pair`);
    this.cursor = 0;
    this.quarantineMs = o.quarantineMs ?? 1000;
    this.keepIdleMs = o.keepIdleMs ?? 30_000;
    this.now = o.now ?? Date.now;
  }

  /** Pairs held by calls (idle pairs kept for reuse are not counted). */
  get inUse(): number {
    return this.reserved.size - this.idle.length;
  }

  /** Released pairs kept bound for reuse. */
  get idleCount(): number {
    return this.idle.length;
  }

  async allocate(): Promise<PortPair | undefined> {
    if (this.closed) return undefined;
    const quiet = this.takeIdle(false);
    if (quiet) return quiet;
    for (let tried = 0; tried < this.pairs && this.reserved.size < this.pairs; tried++) {
      const port = this.first + 2 * this.cursor;
      this.cursor = (this.cursor + 1) % this.pairs;
      if (this.reserved.has(port)) continue;
      this.reserved.add(port); // held while binding, so concurrent allocations skip it
      const rtp = await bindUdp(this.address, port);
      const rtcp = rtp ? await bindUdp(this.address, port + 1) : undefined;
      if (rtp && rtcp && !this.closed) return { port, rtp, rtcp };
      rtcp?.close();
      rtp?.close();
      this.reserved.delete(port);
      if (this.closed) return undefined;
    }
    return this.takeIdle(true);
  }

  release(pair: PortPair): void {
    // the call's relay endpoints stop listening: nothing of the old call reaches anybody from here on
    pair.rtp.removeAllListeners('message');
    pair.rtcp.removeAllListeners('message');
    if (this.keepIdleMs <= 0 || this.closed) return this.closePair(pair);
    const now = this.now();
    const entry: IdlePair = { pair, releasedAt: now, quietSince: now };
    const touch = (): void => {
      entry.quietSince = this.now();
    };
    pair.rtp.on('message', touch);
    pair.rtcp.on('message', touch);
    this.idle.push(entry);
  }

  /** Closes idle pairs released longer than `keepIdleMs` ago (all of them with `everything`). */
  trim(everything = false): number {
    const limit = this.now() - this.keepIdleMs;
    let n = 0;
    while (this.idle.length > 0 && (everything || this.idle[0]!.releasedAt <= limit)) {
      this.closePair(this.idle.shift()!.pair);
      n++;
    }
    return n;
  }

  /**
   * An idle pair quiet for the quarantine, oldest first (the first few are looked at: one still receiving late
   * media does not hold up the others). `force`: the one quiet the longest, whatever its quarantine.
   */
  private takeIdle(force: boolean): PortPair | undefined {
    const now = this.now();
    let pick = -1;
    const look = force ? this.idle.length : Math.min(this.idle.length, IDLE_LOOKAHEAD);
    for (let i = 0; i < look; i++) {
      const e = this.idle[i]!;
      if (force ? pick < 0 || e.quietSince < this.idle[pick]!.quietSince : now - e.quietSince >= this.quarantineMs) {
        pick = i;
        if (!force) break;
      }
    }
    if (pick < 0) return undefined;
    // the oldest is the usual pick: shift() is cheap there, splice() moves the whole array
    const e = pick === 0 ? this.idle.shift() : this.idle.splice(pick, 1)[0];
    e!.pair.rtp.removeAllListeners('message');
    e!.pair.rtcp.removeAllListeners('message');
    return e!.pair;
  }

  /** Closes every idle pair and keeps none from now on: pairs released later are closed at once. */
  close(): void {
    this.closed = true;
    this.trim(true);
  }

  private closePair(pair: PortPair): void {
    pair.rtp.close();
    pair.rtcp.close();
    this.reserved.delete(pair.port);
  }
}

function bindUdp(address: string, port: number): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const type = address.includes(':') ? 'udp6' : 'udp4';
    // relayed packets go to IP literals from SDP or latching: no resolver call (and nextTick) per packet
    const s = createSocket({ type, reuseAddr: false, lookup: ipLiteralLookup(type === 'udp6' ? 6 : 4) });
    const onError = (): void => {
      try {
        s.close();
      } catch {
        // already closed by the failed bind
      }
      resolve(undefined);
    };
    s.once('error', onError);
    s.bind({ port, address, exclusive: true }, () => {
      s.off('error', onError);
      // Later socket errors (ICMP port unreachable surfacing on send) must not crash the process.
      s.on('error', () => undefined);
      resolve(s);
    });
  });
}
