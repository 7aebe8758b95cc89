// Injectable time source for the SIP stack. Every protocol timer (RFC 3261 §17 timers A–M, digest nonce
// lifetimes, dialog/UA timeouts) goes through a Clock so tests can drive time with FakeClock.

export type TimerHandle = { readonly id: number } | ReturnType<typeof setTimeout>;

export interface Clock {
  /** Milliseconds since the epoch (like Date.now()). */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(h: TimerHandle | undefined): void;
}

/** Wall clock backed by Node timers. Timers are unref'd so a pending Timer K never keeps a process alive. */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout(h) {
    if (h !== undefined) clearTimeout(h as ReturnType<typeof setTimeout>);
  },
};

interface FakeTimer {
  id: number;
  at: number;
  seq: number;
  fn: () => void;
}

/**
 * Deterministic clock for tests. `tick(ms)` advances time and runs every timer that falls due, in order of
 * due time (ties in creation order); timers scheduled by a running timer fire in the same tick if due.
 */
export class FakeClock implements Clock {
  #now: number;
  #seq = 0;
  #timers = new Map<number, FakeTimer>();

  constructor(start = 1_700_000_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = ++this.#seq;
    this.#timers.set(id, { id, at: this.#now + Math.max(0, ms), seq: id, fn });
    return { id };
  }

  clearTimeout(h: TimerHandle | undefined): void {
    if (h !== undefined && typeof h === 'object' && 'id' in h && typeof h.id === 'number') this.#timers.delete(h.id);
  }

  /** Number of timers still pending (lets tests check that terminated transactions left nothing behind). */
  get pending(): number {
    return this.#timers.size;
  }

  /** Advance time by `ms`, firing due timers in order. */
  tick(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      const next = this.#nextDue(end);
      if (!next) break;
      this.#timers.delete(next.id);
      this.#now = next.at;
      next.fn();
    }
    this.#now = end;
  }

  /** Run every pending timer (and the ones they schedule) up to `limitMs` of fake time ahead. */
  runAll(limitMs = 3_600_000): void {
    this.tick(limitMs);
  }

  #nextDue(end: number): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const t of this.#timers.values()) {
      if (t.at > end) continue;
      if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    }
    return best;
  }
}
