// Opening the store: PostgreSQL (production, `databaseUrl`) or embedded PGlite (default, and `memory://` in
// tests). Both speak the same SQL, get the same result types (type-parsers.ts) and the same CamelCasePlugin,
// so code above the store does not know which one it runs on.
import { CamelCasePlugin, Kysely, PostgresDialect, type Dialect } from 'kysely';
import pg from 'pg';
import { PGliteDialect } from './pglite-driver.ts';
import { inProcessSession, openPglite, type PgliteSession } from './pglite-session.ts';
import { openPgliteThread } from './pglite-thread.ts';
import { arrayElementOid, scalarParsers } from './type-parsers.ts';
import { migrate } from './migrate.ts';
import type { Database } from './schema/index.ts';

export interface StoreConfig {
  /** `postgres://…` URL: use PostgreSQL through a `pg` pool. When unset, the embedded PGlite store is used. */
  databaseUrl?: string;
  /** PGlite data directory (created if missing), or `'memory://'` for a throwaway in-memory store. Default `./data/pglite`. */
  dataDir?: string;
  /** Apply pending migrations before returning (default true). */
  migrate?: boolean;
  /** Maximum `pg` pool size (PostgreSQL only; default 10). */
  poolMax?: number;
  /**
   * PGlite only: start from this data-directory dump instead of an empty cluster (see createPgliteTemplate).
   * Opening from a dump takes ~0.3 s against ~2–3 s for initdb + migrations: test suites use it.
   */
  pgliteTemplate?: Blob;
  /**
   * PGlite only: run it on a thread of its own (pglite-thread.ts), so its statements never take time from the
   * caller's thread (the SIP signalling of `switchyard start`). Default false: in this thread, as tests and tools
   * that open many short-lived stores want.
   */
  pgliteThread?: boolean;
}

export interface Store {
  /** Query builder. Column names are camelCase in TS and snake_case in SQL (CamelCasePlugin). */
  db: Kysely<Database>;
  kind: 'pglite' | 'postgres';
  /** Closes the pool / PGlite instance. Call it on shutdown: PGlite flushes its data directory here. */
  close(): Promise<void>;
  /**
   * Resolves if the store can no longer serve and will not recover: the PGlite thread died. (A PostgreSQL pool
   * reconnects, and an in-process PGlite fails with its caller: neither resolves it.)
   */
  readonly failed: Promise<Error>;
}

export const DEFAULT_PGLITE_DIR = './data/pglite';

/**
 * Opens the store and (unless `migrate: false`) brings its schema up to date.
 *
 * Sessions run in UTC. Inside `db.transaction().execute(async (trx) => …)` use only `trx`: PGlite has a single
 * session, so touching the outer `db` there waits forever (see pglite-driver.ts).
 * @throws MigrationError (from migrate.ts) when a migration fails; the store is closed first.
 */
export async function openStore(cfg: StoreConfig = {}): Promise<Store> {
  const kind = cfg.databaseUrl ? 'postgres' : 'pglite';
  const session = cfg.databaseUrl ? undefined : await openPgliteSession(cfg);
  const dialect = session ? new PGliteDialect(session, { closeOnDestroy: true }) : postgresDialect(cfg.databaseUrl!, cfg.poolMax ?? 10);
  const db = new Kysely<Database>({ dialect, plugins: [new CamelCasePlugin()] });
  let closed = false;
  const store: Store = {
    db,
    kind,
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
      // Kysely destroys only a driver it initialised: a store that never ran a statement still holds its session
      await session?.close();
    },
    failed: session?.failed ?? new Promise<Error>(() => undefined),
  };
  if (cfg.migrate !== false) {
    try {
      await migrate(db);
    } catch (err) {
      await store.close();
      throw err;
    }
  }
  return store;
}

/**
 * Builds a migrated in-memory PGlite store and returns a dump of its data directory, for
 * `openStore({ dataDir: 'memory://', pgliteTemplate })`. Build it once per test process, open many stores.
 */
export async function createPgliteTemplate(opts: { upTo?: string } = {}): Promise<Blob> {
  const instance = await openPglite('memory://');
  const db = new Kysely<Database>({
    dialect: new PGliteDialect(inProcessSession(instance), { closeOnDestroy: true }),
    plugins: [new CamelCasePlugin()],
  });
  try {
    await migrate(db, opts);
    return await instance.dumpDataDir('none');
  } finally {
    await db.destroy();
  }
}

function openPgliteSession(cfg: StoreConfig): Promise<PgliteSession> {
  const dataDir = cfg.dataDir ?? DEFAULT_PGLITE_DIR;
  if (cfg.pgliteThread === true) return openPgliteThread(dataDir, cfg.pgliteTemplate);
  return openPglite(dataDir, cfg.pgliteTemplate).then(inProcessSession);
}

function postgresDialect(connectionString: string, max: number): Dialect {
  const pool = new pg.Pool({
    connectionString,
    max,
    // Per-pool parsers (not pg.types.setTypeParser, which is process-global).
    types: { getTypeParser: pgTypeParser as typeof pg.types.getTypeParser },
    options: '-c TimeZone=UTC',
  });
  // An idle client losing its server emits 'error' on the pool; unhandled, that would crash the process. The
  // next query gets a fresh client and fails visibly if the server is really gone.
  pool.on('error', () => {});
  return new PostgresDialect({ pool });
}

type AnyParser = (oid: number, format?: 'text' | 'binary') => (text: string) => unknown;
const builtinParser = pg.types.getTypeParser as unknown as AnyParser;
const textArrayParser = builtinParser(1009, 'text') as (text: string) => (string | null)[];

function pgTypeParser(oid: number, format: 'text' | 'binary' = 'text'): (text: string) => unknown {
  if (format === 'text') {
    const scalar = scalarParsers[oid];
    if (scalar) return scalar;
    const elementOid = arrayElementOid[oid];
    const element = elementOid === undefined ? undefined : scalarParsers[elementOid];
    if (element) return (text) => textArrayParser(text).map((v) => (v === null ? null : element(v)));
  }
  return builtinParser(oid, format);
}
