// Run a test suite against both store backends: PGlite (in memory) and a throwaway PostgreSQL 15.
//
//   forEachBackend('clients API', (b) => {
//     it('creates a client', async () => {
//       const { db } = b.store;            // a fresh, fully migrated store for this test
//       …
//     });
//   });
//
// Fresh stores are cheap: PGlite opens from a dump of a migrated template (~0.3 s), PostgreSQL copies a migrated
// template database (CREATE DATABASE … TEMPLATE).
//
// Under `npm test` (scripts/run-tests.mjs → suite-setup.ts) the templates and ONE PostgreSQL cluster exist once
// per run and arrive through env: SWITCHYARD_TEST_PGLITE_TEMPLATE (dump file), SWITCHYARD_TEST_PG_URL and
// SWITCHYARD_TEST_PG_TEMPLATE. Without them (a file run alone with `node --import tsx --test x.test.ts`) each
// test process builds its own templates and starts its own cluster, as before.
import { existsSync, readFileSync } from 'node:fs';
import { after, afterEach, before, beforeEach, describe } from 'node:test';
import { createPgliteTemplate, openStore, type Store } from '../../src/store/db.ts';
import { migrate } from '../../src/store/migrate.ts';
import { createDatabase, databaseName, dropDatabase, postgresUnavailable, startPostgres, type PostgresCluster } from './postgres.ts';

export type BackendKind = Store['kind'];

export interface Backend {
  kind: BackendKind;
  /** The store of the running test (or of the suite, with `fresh: 'suite'`). Read it inside tests/hooks only. */
  readonly store: Store;
  /** Opens one more fresh migrated store on this backend (closed automatically after the test/suite). */
  openStore(): Promise<Store>;
}

export interface BackendOptions {
  /** 'test' (default): a new store per test. 'suite': one store shared by the describe's tests (faster). */
  fresh?: 'test' | 'suite';
  /** Only these backends (default both). */
  only?: BackendKind[];
}

// ---- per-process templates -------------------------------------------------------------------------------

let pgliteTemplate: Promise<Blob> | undefined;

/** The run's PGlite template dump (env), or null to build one in this process. */
function runPgliteTemplate(): Blob | null {
  const file = process.env.SWITCHYARD_TEST_PGLITE_TEMPLATE;
  if (!file) return null;
  if (!existsSync(file)) throw new Error(`SWITCHYARD_TEST_PGLITE_TEMPLATE: ${file} does not exist`);
  return new Blob([readFileSync(file)]);
}

/** The migrated PGlite template dump: the run's (env), else one built once in this process. */
export function testPgliteTemplate(): Promise<Blob> {
  pgliteTemplate ??= (async () => runPgliteTemplate() ?? createPgliteTemplate())();
  return pgliteTemplate;
}

/** Opens a fresh migrated in-memory PGlite store (from the run's template dump, else a per-process one). */
export async function openPgliteTestStore(): Promise<Store> {
  return openStore({ dataDir: 'memory://', pgliteTemplate: await testPgliteTemplate() });
}

let cluster: Promise<PostgresCluster | null> | undefined;
let pgTemplateUrl: Promise<string> | undefined;
let clusterUsers = 0;

/** The run's cluster (env), not ours to stop. */
function runCluster(): PostgresCluster | null {
  const url = process.env.SWITCHYARD_TEST_PG_URL;
  if (!url) return null;
  return { url, port: Number(new URL(url).port), stop: async () => {} };
}

/**
 * The PostgreSQL cluster of this test process: the run's (env SWITCHYARD_TEST_PG_URL), else one started on first
 * use; null when PostgreSQL is unavailable (not CI).
 */
export function sharedPostgres(): Promise<PostgresCluster | null> {
  cluster ??= (async () => runCluster() ?? startPostgres())();
  return cluster;
}

async function releasePostgres(): Promise<void> {
  clusterUsers -= 1;
  await stopSharedPostgres();
}

/**
 * Stops the shared cluster unless a forEachBackend suite is using it. Call it in `after()` when a test used
 * openPostgresTestStore() directly (an exit hook would stop it anyway, but tests clean up after themselves).
 */
export async function stopSharedPostgres(): Promise<void> {
  if (clusterUsers > 0 || cluster === undefined) return;
  const c = await cluster;
  cluster = undefined;
  pgTemplateUrl = undefined;
  await c?.stop();
}

/**
 * Opens a fresh migrated store on the shared PostgreSQL cluster: a copy of a per-process migrated template
 * database. `close()` also drops the database.
 */
export async function openPostgresTestStore(): Promise<Store> {
  const c = await sharedPostgres();
  if (!c) throw new Error(postgresUnavailable() ?? 'PostgreSQL unavailable');
  pgTemplateUrl ??= (async () => {
    const runTemplate = process.env.SWITCHYARD_TEST_PG_URL ? process.env.SWITCHYARD_TEST_PG_TEMPLATE : undefined;
    if (runTemplate) {
      const u = new URL(c.url);
      u.pathname = `/${runTemplate}`;
      return u.toString();
    }
    const url = await createDatabase(c.url, { name: `sy_template_${process.pid}` });
    const s = await openStore({ databaseUrl: url, migrate: false });
    try {
      await migrate(s.db);
    } finally {
      await s.close();
    }
    return url;
  })();
  const url = await createDatabase(c.url, { template: databaseName(await pgTemplateUrl) });
  const store = await openStore({ databaseUrl: url, migrate: false, poolMax: 4 });
  const close = store.close.bind(store);
  return {
    ...store,
    async close() {
      await close();
      await dropDatabase(url);
    },
  };
}

// ---- describe per backend ----------------------------------------------------------------------------------

/**
 * Registers `describe('<name> [pglite]')` and `describe('<name> [postgres]')`, each running `fn`'s tests with a
 * fresh migrated store in `b.store`. Without PostgreSQL (and CI≠true) the postgres suite is skipped with the
 * reason shown; with CI=true it fails.
 */
export function forEachBackend(name: string, fn: (b: Backend) => void, opts: BackendOptions = {}): void {
  for (const kind of opts.only ?? (['pglite', 'postgres'] as const)) {
    const skip = kind === 'postgres' && process.env.CI !== 'true' && !process.env.SWITCHYARD_TEST_PG_URL ? postgresUnavailable() : null;
    describe(`${name} [${kind}]`, skip ? { skip } : {}, () => {
      let current: Store | undefined;
      let extras: Store[] = [];
      const open = kind === 'pglite' ? openPgliteTestStore : openPostgresTestStore;
      const backend: Backend = {
        kind,
        get store(): Store {
          if (!current) throw new Error('b.store is only available inside a test or hook');
          return current;
        },
        async openStore() {
          const s = await open();
          extras.push(s);
          return s;
        },
      };
      const setUp = async (): Promise<void> => {
        current = await open();
      };
      const tearDown = async (): Promise<void> => {
        const all = [...extras, ...(current ? [current] : [])];
        extras = [];
        current = undefined;
        await Promise.all(all.map((s) => s.close()));
      };
      if (kind === 'postgres') {
        before(() => {
          clusterUsers += 1;
        });
      }
      if (opts.fresh === 'suite') {
        before(setUp);
        after(tearDown);
      } else {
        beforeEach(setUp);
        afterEach(tearDown);
      }
      // Registered last so it runs after the stores are closed.
      if (kind === 'postgres') after(releasePostgres);
      fn(backend);
    });
  }
}
