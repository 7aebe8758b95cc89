// Shared test resources for one `npm test` run, started by scripts/run-tests.mjs before the test processes:
//   - a migrated PGlite template dump on disk (each test process loads it instead of running the migrations);
//   - ONE throwaway PostgreSQL cluster with a migrated template database (each test store is a
//     `create database … template` copy of it, instead of one cluster and one migration run per test file).
// It prints one JSON line `{ "env": { … } }` with the variables the harness (stores.ts) reads, then stays alive
// owning the resources until its stdin closes (the runner ended, however it ended) or it gets SIGINT/SIGTERM;
// then it stops PostgreSQL and removes its temp directory.
//
//   SWITCHYARD_TEST_TMP               the run's temp directory (removed at the end)
//   SWITCHYARD_TEST_PGLITE_TEMPLATE   path of the PGlite data-directory dump (tar)
//   SWITCHYARD_TEST_PG_URL            superuser URL of the cluster's `postgres` database
//   SWITCHYARD_TEST_PG_TEMPLATE       name of the migrated template database on that cluster
//
// PostgreSQL missing: under CI=true that is an error (exit 1); otherwise the PG variables are left out and the
// postgres suites skip with their reason, as when a file runs alone.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createPgliteTemplate, openStore } from '../../src/store/db.ts';
import { migrate } from '../../src/store/migrate.ts';
import { createDatabase, startPostgres, type PostgresCluster } from './postgres.ts';

export const TEMPLATE_DB = 'sy_template';

const dir = mkdtempSync(join(tmpdir(), 'sy-test-run-'));
let cluster: PostgresCluster | null = null;
let stopping: Promise<void> | undefined;

function shutdown(code: number): Promise<void> {
  stopping ??= (async () => {
    try {
      await cluster?.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
      process.exit(code);
    }
  })();
  return stopping;
}

// Registered before startPostgres() adds its own exit hooks, so this runs first and exits with our code.
process.on('SIGINT', () => void shutdown(130));
process.on('SIGTERM', () => void shutdown(143));
process.stdin.on('end', () => void shutdown(0));
process.stdin.on('error', () => void shutdown(0));
process.stdin.resume();

async function pgliteTemplate(): Promise<string> {
  const file = join(dir, 'pglite-template.tar');
  const blob = await createPgliteTemplate();
  writeFileSync(file, Buffer.from(await blob.arrayBuffer()));
  return file;
}

async function postgresTemplate(): Promise<{ url: string; template: string } | null> {
  cluster = await startPostgres(); // throws under CI=true when PostgreSQL is missing
  if (!cluster) return null;
  const url = await createDatabase(cluster.url, { name: TEMPLATE_DB });
  const store = await openStore({ databaseUrl: url, migrate: false, poolMax: 1 });
  try {
    await migrate(store.db);
  } finally {
    await store.close();
  }
  return { url: cluster.url, template: TEMPLATE_DB };
}

try {
  const t0 = performance.now();
  // In parallel: PostgreSQL's initdb and migrations run in its own processes while PGlite migrates in this one.
  const [pg, pglite] = await Promise.all([postgresTemplate(), pgliteTemplate()]);
  // PGlite's WASM heap is garbage now; without allocation pressure this idle process would keep it resident for
  // the whole run (started with --expose-gc by the runner).
  (globalThis as { gc?: () => void }).gc?.();
  const env: Record<string, string> = { SWITCHYARD_TEST_TMP: dir, SWITCHYARD_TEST_PGLITE_TEMPLATE: pglite };
  if (pg) {
    env.SWITCHYARD_TEST_PG_URL = pg.url;
    env.SWITCHYARD_TEST_PG_TEMPLATE = pg.template;
  }
  const rssMb = Math.round(process.memoryUsage().rss / 1e6);
  process.stdout.write(`${JSON.stringify({ env, ms: Math.round(performance.now() - t0), rssMb })}\n`);
} catch (err) {
  process.stderr.write(`test setup failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  await shutdown(1);
}
