// Kysely dialect for PGlite (embedded PostgreSQL in WASM). Kysely ships none: we reuse its PostgreSQL adapter,
// query compiler and introspector, and add a driver whose single "connection" is the PGlite instance.
//
// PGlite is one backend session. A transaction is session state (BEGIN … COMMIT on that one session), so two
// Kysely callers must never interleave statements: connection acquisition is serialised with a FIFO mutex and
// a connection is held from acquire to release (a whole transaction, or a single query otherwise).
// Consequence for callers: inside `db.transaction().execute(async (trx) => …)` use `trx`, never the outer `db`
// (the outer `db` would wait for the connection the transaction holds: a deadlock on PGlite, while on a `pg`
// pool it would silently run outside the transaction — wrong on both).
import { types, type PGlite, type Results } from '@electric-sql/pglite';
import {
  CompiledQuery,
  IdentifierNode,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  RawNode,
  createQueryId,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import { arrayElementOid, scalarParsers } from './type-parsers.ts';

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

/** FIFO mutex: `lock()` resolves with the function that unlocks. */
class Mutex {
  #tail: Promise<void> = Promise.resolve();

  lock(): Promise<() => void> {
    let unlock!: () => void;
    const next = new Promise<void>((resolve) => {
      unlock = resolve;
    });
    const ready = this.#tail.then(() => unlock);
    this.#tail = this.#tail.then(() => next);
    return ready;
  }
}

class PGliteConnection implements DatabaseConnection {
  readonly #pg: PGlite;

  constructor(pg: PGlite) {
    this.#pg = pg;
  }

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    // Like `pg`: without parameters use the simple protocol, which also accepts several statements separated
    // by ';' (raw SQL in migrations) and then, as `pg` does, returns no rows; with parameters the extended
    // protocol (one statement).
    let res: Results<unknown>;
    if (compiled.parameters.length === 0) {
      const all = await this.#pg.exec(compiled.sql, { rowMode: 'object' });
      if (all.length !== 1 || !all[0]) return { rows: [] };
      res = all[0];
    } else {
      res = await this.#pg.query(compiled.sql, [...compiled.parameters], { rowMode: 'object' });
    }
    const command = res.command?.toUpperCase();
    const changes =
      command === 'INSERT' || command === 'UPDATE' || command === 'DELETE' || command === 'MERGE'
        ? BigInt(res.rowCount ?? res.affectedRows ?? 0)
        : undefined;
    const rows = res.rows as R[];
    return changes === undefined ? { rows } : { rows, numAffectedRows: changes };
  }

  // Kysely's PostgreSQL dialect streams only with the `pg-cursor` package, which we do not ship: refuse here too,
  // so code that streams fails on the embedded store as it would in production (page with limit/offset instead).
  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries are not supported by the store (no pg-cursor): page with limit/keyset');
  }
}

class PGliteDriver implements Driver {
  readonly #pg: PGlite;
  readonly #connection: PGliteConnection;
  readonly #mutex = new Mutex();
  #unlock: (() => void) | undefined;
  #closeOnDestroy: boolean;

  constructor(pg: PGlite, closeOnDestroy: boolean) {
    this.#pg = pg;
    this.#connection = new PGliteConnection(pg);
    this.#closeOnDestroy = closeOnDestroy;
  }

  async init(): Promise<void> {
    await this.#pg.waitReady;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const unlock = await this.#mutex.lock();
    this.#unlock = unlock;
    return this.#connection;
  }

  async releaseConnection(): Promise<void> {
    const unlock = this.#unlock;
    this.#unlock = undefined;
    unlock?.();
  }

  async beginTransaction(conn: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    let text = 'begin';
    if (settings.isolationLevel) text += ` isolation level ${settings.isolationLevel}`;
    if (settings.accessMode) text += ` ${settings.accessMode}`;
    await conn.executeQuery(CompiledQuery.raw(text));
  }

  async commitTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw('rollback'));
  }

  async savepoint(conn: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await conn.executeQuery(compile(savepointCommand('savepoint', name), createQueryId()));
  }

  async rollbackToSavepoint(
    conn: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await conn.executeQuery(compile(savepointCommand('rollback to', name), createQueryId()));
  }

  async releaseSavepoint(conn: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await conn.executeQuery(compile(savepointCommand('release', name), createQueryId()));
  }

  async destroy(): Promise<void> {
    if (this.#closeOnDestroy && !this.#pg.closed) {
      this.#closeOnDestroy = false;
      await this.#pg.close();
    }
  }
}

// Same shape Kysely's own drivers compile: the name goes through IdentifierNode so it is quoted.
function savepointCommand(command: string, name: string): RawNode {
  return RawNode.createWithChildren([RawNode.createWithSql(`${command} `), IdentifierNode.create(name)]);
}

/**
 * Kysely dialect over an open PGlite instance.
 * @param pg the instance (create it with `parsers: pgliteParsers()` for results identical to `pg`).
 * @param closeOnDestroy when true, `kysely.destroy()` also closes PGlite.
 */
export class PGliteDialect implements Dialect {
  readonly #pg: PGlite;
  readonly #closeOnDestroy: boolean;

  constructor(pg: PGlite, opts: { closeOnDestroy?: boolean } = {}) {
    this.#pg = pg;
    this.#closeOnDestroy = opts.closeOnDestroy ?? true;
  }

  createAdapter(): DialectAdapter {
    return new PostgresAdapter();
  }

  createDriver(): Driver {
    return new PGliteDriver(this.#pg, this.#closeOnDestroy);
  }

  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }
}
