// Media inactivity for the rtpengine driver. rtpengine's own timeout deletes a silent call without telling anyone,
// so the driver asks: every active call is queried periodically (ng `query`), and a call whose packet counters did
// not move — and saw no offer/answer — for the timeout is deleted and reported through `onTimeout`, like the
// builtin engine's sweep. A call rtpengine no longer knows (it timed it out first) is reported the same way.
import type { CallStats, MediaResult } from '../engine.ts';

export interface InactivityOptions {
  /** A call with no RTP/RTCP from any party and no offer/answer for this long is released (ms, default 60 s; 0 = off). */
  inactivityTimeoutMs?: number;
  /** How often each active call is queried (ms, default a quarter of the timeout, 1–15 s). */
  queryIntervalMs?: number;
  /** Told after a call was released for inactivity, so the B2BUA can hang it up. */
  onTimeout?: (callId: string) => void;
  now?: () => number;
}

interface Watched {
  packets: number;
  lastActivity: number;
}

export class InactivityWatch {
  readonly #calls = new Map<string, Watched>();
  readonly #timeoutMs: number;
  readonly #now: () => number;
  readonly #timer: NodeJS.Timeout | undefined;
  #polling = false;

  constructor(
    private readonly opts: InactivityOptions,
    private readonly engine: {
      query(callId: string): Promise<MediaResult<{ stats: CallStats }>>;
      release(callId: string): Promise<void>;
    },
  ) {
    this.#timeoutMs = opts.inactivityTimeoutMs ?? 60_000;
    this.#now = opts.now ?? Date.now;
    if (this.#timeoutMs > 0) {
      const every = opts.queryIntervalMs ?? Math.max(1000, Math.min(15_000, this.#timeoutMs / 4));
      this.#timer = setInterval(() => void this.poll(), every);
      this.#timer.unref();
    }
  }

  /** Offer/answer for the call: it is active (and watched from now on). */
  signalled(callId: string): void {
    const w = this.#calls.get(callId);
    if (w) w.lastActivity = this.#now();
    else this.#calls.set(callId, { packets: 0, lastActivity: this.#now() });
  }

  forget(callId: string): void {
    this.#calls.delete(callId);
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#calls.clear();
  }

  /** One round over the watched calls (also called by tests). Rounds never overlap. */
  async poll(): Promise<void> {
    if (this.#polling) return;
    this.#polling = true;
    try {
      for (const [callId, w] of [...this.#calls]) {
        const q = await this.engine.query(callId);
        if (this.#calls.get(callId) !== w) continue; // deleted or re-created meanwhile
        if (!q.ok) {
          if (q.code === 'unknown_call') this.#timedOut(callId);
          continue; // engine unreachable: no verdict this round
        }
        const packets = q.stats.legs.reduce((n, l) => n + l.packetsIn, 0);
        if (packets !== w.packets) {
          w.packets = packets;
          w.lastActivity = this.#now();
        } else if (this.#now() - w.lastActivity > this.#timeoutMs) {
          await this.engine.release(callId);
          this.#timedOut(callId);
        }
      }
    } finally {
      this.#polling = false;
    }
  }

  #timedOut(callId: string): void {
    this.#calls.delete(callId);
    this.opts.onTimeout?.(callId);
  }
}
