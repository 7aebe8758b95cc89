// Kysely dialect for PGlite (embedded PostgreSQL in WASM). Kysely ships none: we reuse its PostgreSQL adapter,
// query compiler and introspector, and add a driver whose single "connection" is the PGlite session
// (pglite-session.ts: an instance in this thread, or one on the store thread, pglite-thread.ts).
//
// PGlite is one backend session. A transaction is session state (BEGIN … COMMIT on that one session), so two
// Kysely callers must never interleave statements: connection acquisition is serialised with a FIFO mutex and
// a connection is held from acquire to release (a whole transaction, or a single query otherwise).
// Consequence for callers: inside `db.transaction().execute(async (trx) => …)` use `trx`, never the outer `db`
// (the outer `db` would wait for the connection the transaction holds: a deadlock on PGlite, while on a `pg`
// pool it would silently run outside the transaction — wrong on both).
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
import type { PgliteSession } from './pglite-session.ts';

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
  readonly #session: PgliteSession;

  constructor(session: PgliteSession) {
    this.#session = session;
  }

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const res = await this.#session.run(compiled.sql, compiled.parameters);
    return res as QueryResult<R>;
  }

  // Kysely's PostgreSQL dialect streams only with the `pg-cursor` package, which we do not ship: refuse here too,
  // so code that streams fails on the embedded store as it would in production (page with limit/offset instead).
  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries are not supported by the store (no pg-cursor): page with limit/keyset');
  }
}

class PGliteDriver implements Driver {
  readonly #session: PgliteSession;
  readonly #connection: PGliteConnection;
  readonly #mutex = new Mutex();
  #unlock: (() => void) | undefined;
  #closeOnDestroy: boolean;

  constructor(session: PgliteSession, closeOnDestroy: boolean) {
    this.#session = session;
    this.#connection = new PGliteConnection(session);
    this.#closeOnDestroy = closeOnDestroy;
  }

  async init(): Promise<void> {
    // the session is open when the dialect gets it
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
    if (this.#closeOnDestroy) {
      this.#closeOnDestroy = false;
      await this.#session.close();
    }
  }
}

// Same shape Kysely's own drivers compile: the name goes through IdentifierNode so it is quoted.
function savepointCommand(command: string, name: string): RawNode {
  return RawNode.createWithChildren([RawNode.createWithSql(`${command} `), IdentifierNode.create(name)]);
}

/**
 * Kysely dialect over an open PGlite session (pglite-session.ts: in this thread, or pglite-thread.ts: on its own).
 * @param session the session (its instance opened by `openPglite`, for results identical to `pg`).
 * @param closeOnDestroy when true, `kysely.destroy()` also closes the session.
 */
export class PGliteDialect implements Dialect {
  readonly #session: PgliteSession;
  readonly #closeOnDestroy: boolean;

  constructor(session: PgliteSession, opts: { closeOnDestroy?: boolean } = {}) {
    this.#session = session;
    this.#closeOnDestroy = opts.closeOnDestroy ?? true;
  }

  createAdapter(): DialectAdapter {
    return new PostgresAdapter();
  }

  createDriver(): Driver {
    return new PGliteDriver(this.#session, this.#closeOnDestroy);
  }

  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }
}
