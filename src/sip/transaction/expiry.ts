// Wait timers that only end a transaction (RFC 3261 Timers D, I, J, K; RFC 6026 Timers L, M). A proxy
// holds tens of thousands of transactions in these states for 64*T1; a clock timer plus closures per
// transaction was a large share of what the garbage collector had to copy and mark. Every timer of one
// queue has the same length, so deadlines arrive in order: one FIFO and one clock timer per length do.
import type { Clock, TimerHandle } from '../clock.ts';

/** A transaction that can wait in an ExpiryQueue. */
export interface Expirable {
  /** The queue it waits in: set by `enter`, cleared when the wait ends either way. @internal */
  expiryQueue: ExpiryQueue | undefined;
  /** Move to Terminated (the queue's call when the wait is over; also other ways, which call `leave`). */
  terminate(): void;
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

  /** `tx` terminates `#ms` from now, unless it ends earlier (then it calls `leave`). */
  enter(tx: Expirable): void {
    tx.expiryQueue = this;
    this.#due.push(this.#clock.now() + this.#ms);
    this.#txs.push(tx);
    this.#live++;
    if (this.#timer === undefined) this.#timer = this.#clock.setTimeout(this.#fire, this.#ms);
  }

  /** `tx` ended some other way (a no-op when it waits nowhere); a queue with none left waiting drops its timer. */
  static leave(tx: Expirable): void {
    const q = tx.expiryQueue;
    if (q === undefined) return;
    tx.expiryQueue = undefined;
    if (--q.#live > 0) return;
    q.clear();
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
      if (tx.expiryQueue !== this) continue; // ended some other way meanwhile
      tx.expiryQueue = undefined;
      this.#live--;
      tx.terminate();
      if (this.#txs !== txs) return; // clear() ran inside terminate() (the layer closed)
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
