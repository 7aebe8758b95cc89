// Wiring of the background roles for `switchyard start`:
// - `jobs`: the rate-import worker (queued CSV imports survive restarts: a queued or stale job is picked up again);
// - `billing`: the rating catalogs (kept fresh across nodes by their version check) and the rater, which prices
//   finished calls (`billable_calls`) periodically and debits pseudo-prepaid and carrier balances.
// Several nodes may run these roles against one PostgreSQL: the import queue claims jobs with SKIP LOCKED and the
// rater's writes are idempotent per call.
import type { Config } from '../config/load.ts';
import type { Store } from '../store/db.ts';
import { RateImportWorker } from '../jobs/rate-import/worker.ts';
import { CatalogCache } from '../billing/catalog-cache.ts';
import { rateAllPending } from '../billing/rater.ts';
import type { Output } from './context.ts';

/** How often the rater looks for finished calls to price. */
const RATER_PERIOD_MS = 30_000;

export interface BackgroundRoles {
  stop(): Promise<void>;
}

export function startBackgroundRoles(config: Config, store: Store, out: Output): BackgroundRoles {
  const stoppers: Array<() => Promise<void>> = [];

  if (config.roles.includes('jobs')) {
    const worker = new RateImportWorker({ db: store.db, backend: store.kind });
    worker.start();
    stoppers.push(() => worker.stop());
    out.info('role jobs: rate-import worker running');
  }

  if (config.roles.includes('billing')) {
    const catalogs = new CatalogCache(store.db);
    catalogs.start();
    let running: Promise<unknown> | null = null;
    const tick = () => {
      if (running) return; // a slow pass is never overlapped by the next one
      running = rateAllPending(store.db, catalogs)
        .then((r) => {
          if (r.rated + r.unrateable > 0) out.info(`billing: rated ${r.rated} calls, ${r.unrateable} unrateable (reason kept on the call)`);
        })
        .catch((err: unknown) => out.error(`billing: rating pass failed: ${(err as Error).message}`))
        .finally(() => { running = null; });
    };
    const timer = setInterval(tick, RATER_PERIOD_MS);
    timer.unref();
    stoppers.push(async () => {
      clearInterval(timer);
      await running;
      catalogs.stop();
    });
    out.info(`role billing: rater every ${RATER_PERIOD_MS / 1000} s`);
  }

  return {
    async stop() {
      for (const s of stoppers.reverse()) await s().catch((err: unknown) => out.error(`stop: ${(err as Error).message}`));
    },
  };
}
