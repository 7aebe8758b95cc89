// Wait timers that only end a transaction (RFC 3261 Timers D, I, J, K; RFC 6026 Timers L, M). A proxy
// holds tens of thousands of transactions in these states for 64*T1; a clock timer plus closures per
// transaction was a large share of what the garbage collector had to copy and mark. Every timer of one
// queue has the same length, so deadlines arrive in order: one FIFO and one clock timer per length do.
import type { Clock, TimerHandle } from '../clock.ts';

/** A transaction waiting in an ExpiryQueue. */
export interface Expirable {
  /** The wait is over: terminate, unless that already happened. True when it was still waiting. */
  expire(): boolean;
}

export class ExpiryQueue {
  readonly #ms: number;
  readonly #clock: Clock;
  // parallel arrays from #head on: a double array and an object array, no object per entry
  #due: number[] = [];
  #txs: Array<Expirable | undefined> = [];
  #head = 0;
  /** entries still waiting (dead ones, terminated some other way, stay until popped) */
  #live = 0;
  #timer: TimerHandle | undefined = undefined;
  readonly #fire = (): void => this.#expireDue();

  constructor(ms: number, clock: Clock) {
    this.#ms = ms;
    this.#clock = clock;
  }

  get size(): number {
    return this.#live;
  }

  add(tx: Expirable): void {
    this.#due.push(this.#clock.now() + this.#ms);
    this.#txs.push(tx);
    this.#live++;
    if (this.#timer === undefined) this.#timer = this.#clock.setTimeout(this.#fire, this.#ms);
  }

  /** A queued transaction ended some other way; when none is left waiting the clock timer goes too. */
  forget(): void {
    if (--this.#live > 0) return;
    this.clear();
  }

  clear(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#due = [];
    this.#txs = [];
    this.#head = 0;
    this.#live = 0;
  }

  #expireDue(): void {
    this.#timer = undefined;
    const now = this.#clock.now();
    const due = this.#due;
    const txs = this.#txs;
    while (this.#head < txs.length && (due[this.#head] as number) <= now) {
      const tx = txs[this.#head] as Expirable;
      txs[this.#head] = undefined;
      this.#head++;
      const waited = tx.expire();
      if (this.#txs !== txs) return; // clear() ran inside expire() (the layer closed)
      if (waited) this.#live--;
    }
    if (this.#live === 0) return this.clear();
    if (this.#head > 1024 && this.#head * 2 > txs.length) {
      // drop the consumed front (amortised: at most once per half of the entries)
      this.#due = due.slice(this.#head);
      this.#txs = txs.slice(this.#head);
      this.#head = 0;
    }
    // at most #ms away even if the wall clock stepped back
    const wait = Math.min(this.#ms, Math.max(0, (this.#due[this.#head] as number) - now));
    this.#timer = this.#clock.setTimeout(this.#fire, wait);
  }
}
