// Stopping everything a bench run started (run.ts, ab.ts), by PID, also on Ctrl-C / SIGTERM: the SIPps, systems
// still starting, each system, then the work directory (kept with KEEP_BENCH_DIR=1).
import { rmSync } from 'node:fs';
import { running, type Side } from './steps.ts';
import { starting } from './systems.ts';

/** An idempotent stop of the run whose systems are `sides` and whose work directory `base()` names ('' for none). */
export function benchStopper(sides: Side[], base: () => string): () => Promise<void> {
  let stopping: Promise<void> | null = null;
  return () => {
    stopping ??= (async () => {
      for (const r of running) r.kill();
      await Promise.all([...running].map((r) => r.done));
      for (const stop of [...starting]) await stop().catch((e) => console.error(`stop: ${(e as Error).message}`));
      for (const side of sides) await side.sys.stop().catch((e) => console.error(`stop ${side.sys.label}: ${(e as Error).message}`));
      const dir = base();
      if (!dir) return;
      if (process.env.KEEP_BENCH_DIR) console.log(`work directory kept: ${dir}`);
      else rmSync(dir, { recursive: true, force: true });
    })();
    return stopping;
  };
}

/** Ctrl-C / SIGTERM: stop everything, then exit 130. */
export function stopOnSignals(stopAll: () => Promise<void>): void {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      console.error(`\n${sig}: stopping everything this run started`);
      void stopAll().finally(() => process.exit(130));
    });
  }
}
