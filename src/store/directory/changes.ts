// Change signalling for the SIP directory (directory.ts). Every write the directory depends on (terminals, users,
// extensions, client and brand SIP domains) calls `bumpDirectoryVersion(trx, change)` inside its transaction: the
// single row of `vpbx_directory_version` moves on commit, `vpbx_directory_changes` records what that version
// changed (one user, terminal or extension, or `all`) so readers can re-read just that (load.ts), and
// `pg_notify('sy_directory', version)` is delivered to listeners on commit (PostgreSQL: other nodes LISTEN). In the
// same process, `signalDirectoryChange(version)` wakes directories at once; they re-read the version (waiting
// briefly while the writer has not committed yet). A periodic version check is the safety net: a missed signal
// delays a refresh, it never loses it.
import { sql, type Kysely } from 'kysely';
import pg from 'pg';

export const DIRECTORY_CHANNEL = 'sy_directory';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * What a directory version changed: one user, terminal or extension (its row, whichever way: created, updated or
 * about to be deleted), or `all` for anything else the directory reads (clients, brands, bulk loads). Readers
 * re-read just that row and what hangs on it (load.ts); `all` makes them load everything.
 */
export type DirectoryChange = { readonly kind: 'user' | 'terminal' | 'extension'; readonly id: number } | { readonly kind: 'all' };

export const CHANGED_ALL: DirectoryChange = { kind: 'all' };

/** Change-log rows kept behind the newest version; a directory further behind loads everything. */
export const CHANGE_LOG_KEEP = 1000;

/**
 * Increments the directory version inside `trx`, logs what `change` names against it, and notifies listeners on
 * commit. Returns the new version. Writers serialise on the version row, so versions commit in order.
 */
export async function bumpDirectoryVersion(trx: Kysely<any>, change: DirectoryChange = CHANGED_ALL): Promise<number> {
  const rowId = change.kind === 'all' ? null : change.id;
  // one statement (a round trip each counts on PGlite): bump, log, prune, notify on commit
  const r = await sql<{ version: number | string }>`
    with bumped as (update vpbx_directory_version set version = version + 1 where id = 1 returning version),
      logged as (insert into vpbx_directory_changes (version, kind, row_id) select version, ${change.kind}, ${rowId}::integer from bumped),
      pruned as (delete from vpbx_directory_changes where version <= (select version from bumped) - ${CHANGE_LOG_KEEP})
    select version, pg_notify(${DIRECTORY_CHANNEL}, version::text) from bumped`.execute(trx);
  const version = Number(r.rows[0]?.version ?? 0);
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
