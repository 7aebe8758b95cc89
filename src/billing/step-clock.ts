// Per-step timing of the bulk billing paths (rater, rate import), for bench/rating/vs-copy.ts: each `lap(step)`
// charges the time since the previous lap to `step`. Without a sink it does nothing, so the hot paths pay one
// branch per lap.

/** Receives the duration of one step, in milliseconds. */
export type StepSink = (step: string, ms: number) => void;

export type Lap = (step: string) => void;

export function stepClock(sink: StepSink | undefined): Lap {
  if (!sink) return () => {};
  let last = performance.now();
  return (step) => {
    const now = performance.now();
    sink(step, now - last);
    last = now;
  };
}

/** A sink adding up the milliseconds per step (insertion order kept for printing). */
export class StepTotals {
  readonly ms = new Map<string, number>();
  readonly sink: StepSink = (step, ms) => {
    this.ms.set(step, (this.ms.get(step) ?? 0) + ms);
  };

  clear(): void {
    this.ms.clear();
  }
}
