// Change signalling for the SIP directory (directory.ts). Every write the directory depends on (terminals, users,
// extensions, client and brand SIP domains) calls `bumpDirectoryVersion(trx)` inside its transaction: the single
// row of `vpbx_directory_version` moves on commit, and `pg_notify('sy_directory', version)` is delivered to
// listeners on commit (PostgreSQL: other nodes LISTEN). In the same process, `signalDirectoryChange(version)`
// wakes directories at once; they re-read the version (waiting briefly while the writer has not committed yet).
// A periodic version check is the safety net: a missed signal delays a refresh, it never loses it.
import { sql, type Kysely } from 'kysely';
import pg from 'pg';

export const DIRECTORY_CHANNEL = 'sy_directory';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** Increments the directory version inside `trx` and notifies listeners on commit. Returns the new version. */
export async function bumpDirectoryVersion(trx: Kysely<any>): Promise<number> {
  const r = await sql<{ version: number | string }>`
    update vpbx_directory_version set version = version + 1 where id = 1 returning version`.execute(trx);
  const version = Number(r.rows[0]?.version ?? 0);
  await sql`select pg_notify(${DIRECTORY_CHANNEL}, ${String(version)})`.execute(trx);
  signalDirectoryChange(version);
  return version;
}

export async function readDirectoryVersion(db: Kysely<any>): Promise<number> {
  const r = await sql<{ version: number | string }>`select version from vpbx_directory_version where id = 1`.execute(db);
  return Number(r.rows[0]?.version ?? 0);
}

type Listener = (version: number) => void;
const local = new Set<Listener>();

/** In-process listeners (the API and the SIP roles share the process in the default single-node setup). */
export function onDirectoryChange(fn: Listener): () => void {
  local.add(fn);
  return () => local.delete(fn);
}

/** Tells in-process directories that `version` is being written (maybe not committed yet). */
export function signalDirectoryChange(version: number): void {
  for (const fn of local) {
    // Listeners run later: the writer is inside its transaction and must not wait on them.
    queueMicrotask(() => fn(version));
  }
}

/** A subscription to remote change notifications; `close()` ends it. */
export interface ChangeSubscription {
  close(): Promise<void>;
}

/**
 * LISTENs on `sy_directory` over a dedicated PostgreSQL connection (the pool's connections are shared and cannot
 * hold a LISTEN). Reconnects after a lost connection; `onLost` lets the directory re-check the version meanwhile.
 */
export async function listenPostgres(databaseUrl: string, onVersion: Listener, onLost: () => void = () => {}): Promise<ChangeSubscription> {
  let closed = false;
  let client: pg.Client | null = null;
  let retry: NodeJS.Timeout | null = null;
  const scheduleRetry = (): void => {
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = null;
      connect().catch(() => {
        onLost();
        scheduleRetry();
      });
    }, 1000);
    retry.unref();
  };
  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: databaseUrl });
    c.on('notification', (msg) => {
      if (msg.channel === DIRECTORY_CHANNEL) onVersion(Number(msg.payload ?? 0));
    });
    c.on('error', () => {
      if (client === c) client = null;
      c.end().catch(() => {});
      if (closed) return;
      onLost();
      scheduleRetry();
    });
    await c.connect();
    await c.query(`listen ${DIRECTORY_CHANNEL}`);
    if (closed) {
      await c.end();
      return;
    }
    client = c;
    // Changes committed while we were not listening are caught by this re-check.
    onLost();
  };
  await connect();
  return {
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      const c = client;
      client = null;
      await c?.end().catch(() => {});
    },
  };
}
