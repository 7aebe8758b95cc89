// One PGlite backend session, as the Kysely driver (pglite-driver.ts) uses it: run a statement, close. Two kinds:
// in this thread (`inProcessSession`: tests, tools, library use) and on a thread of its own (pglite-thread.ts:
// `switchyard start` and the other CLI commands), so that PostgreSQL-in-WASM never runs on the SIP signalling
// thread. Both open the instance (`openPglite`) and run statements (`runStatement`) with the same code here.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { PGlite, types, type Results } from '@electric-sql/pglite';
import { arrayElementOid, scalarParsers } from './type-parsers.ts';

/** What a statement gives back: rows, and for INSERT / UPDATE / DELETE / MERGE the rows it changed. */
export interface StatementResult {
  rows: unknown[];
  numAffectedRows?: bigint;
}

export interface PgliteSession {
  /** One statement (with parameters), or any SQL text without them (several statements, no rows back). */
  run(sql: string, parameters: readonly unknown[]): Promise<StatementResult>;
  /** Flushes the data directory and ends the session; statements after it are refused. Once is enough. */
  close(): Promise<void>;
  /** Resolves if the session ends without `close()` (its thread died): every statement fails from then on. */
  readonly failed: Promise<Error>;
}

/** Parsers handed to `new PGlite({ parsers })` so results match the `pg` backend (see type-parsers.ts). */
export function pgliteParsers(): Record<number, (text: string) => unknown> {
  const out: Record<number, (text: string) => unknown> = { ...scalarParsers };
  for (const [arrayOid, elementOid] of Object.entries(arrayElementOid)) {
    const element = scalarParsers[elementOid];
    if (element === undefined) throw new Error(`no parser for element oid ${elementOid}`);
    out[Number(arrayOid)] = (text) => types.arrayParser(text, element, Number(arrayOid));
  }
  return out;
}

/** Opens PGlite on a data directory (created if missing) or `memory://`, optionally from a dump; session in UTC. */
export async function openPglite(dataDir: string, template?: Blob): Promise<PGlite> {
  let location = dataDir;
  if (!dataDir.startsWith('memory://')) {
    location = resolve(dataDir);
    mkdirSync(location, { recursive: true });
  }
  const instance = await PGlite.create(
    location,
    template ? { parsers: pgliteParsers(), loadDataDir: template } : { parsers: pgliteParsers() },
  );
  // PGlite is one session for the life of the instance, so a session setting here holds for every query.
  await instance.exec(`set time zone 'UTC'`);
  return instance;
}

/**
 * Like `pg`: without parameters the simple protocol, which also accepts several statements separated by ';' (raw
 * SQL in migrations) and then, as `pg` does, returns no rows; with parameters the extended protocol (one statement).
 */
export async function runStatement(pg: PGlite, sql: string, parameters: readonly unknown[]): Promise<StatementResult> {
  let res: Results<unknown>;
  if (parameters.length === 0) {
    const all = await pg.exec(sql, { rowMode: 'object' });
    if (all.length !== 1 || !all[0]) return { rows: [] };
    res = all[0];
  } else {
    res = await pg.query(sql, [...parameters], { rowMode: 'object' });
  }
  const command = res.command?.toUpperCase();
  const changed = command === 'INSERT' || command === 'UPDATE' || command === 'DELETE' || command === 'MERGE';
  return changed ? { rows: res.rows, numAffectedRows: BigInt(res.rowCount ?? res.affectedRows ?? 0) } : { rows: res.rows };
}

/** A session on an instance of this thread. */
export function inProcessSession(pg: PGlite): PgliteSession {
  let closing: Promise<void> | undefined;
  return {
    run: (sql, parameters) => runStatement(pg, sql, parameters),
    close() {
      closing ??= pg.closed ? Promise.resolve() : pg.close();
      return closing;
    },
    // a failure here is the caller's own thread failing: nothing to tell
    failed: new Promise<Error>(() => undefined),
  };
}
