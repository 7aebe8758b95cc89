// The embedded store on its own thread (src/store/pglite-thread.ts), as `switchyard start` opens it: the same
// results, errors, transactions and persistence as in process, and the caller's thread stays free while a
// statement runs.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openStore, type Store } from '../../src/store/db.ts';
import { openPgliteThread } from '../../src/store/pglite-thread.ts';
import { classifyDbError } from '../../src/store/errors.ts';
import { testPgliteTemplate } from '../support/stores.ts';

async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'sy-pglite-thread-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A thread store on disk (`dataDir`), or in memory from the migrated template (what the tests' stores use). */
async function withStore<T>(dataDir: string, fn: (s: Store) => Promise<T>): Promise<T> {
  const s = dataDir === 'memory://'
    ? await openStore({ dataDir, pgliteThread: true, pgliteTemplate: await testPgliteTemplate() })
    : await openStore({ dataDir, pgliteThread: true });
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

describe('PGlite on the store thread', () => {
  it('keeps the caller thread running while a statement runs (in process it is blocked)', async () => {
    await withDir(async (dir) => {
      const ticksDuring = async (s: Store): Promise<number> => {
        let ticks = 0;
        const iv = setInterval(() => ticks++, 10);
        try {
          await sql`select pg_sleep(0.3)`.execute(s.db);
        } finally {
          clearInterval(iv);
        }
        return ticks;
      };
      const inProcess = await openStore({ dataDir: join(dir, 'a') });
      try {
        assert.equal(await ticksDuring(inProcess), 0, 'the in-process instance holds the thread');
      } finally {
        await inProcess.close();
      }
      await withStore(join(dir, 'b'), async (s) => {
        assert.ok((await ticksDuring(s)) >= 3, 'timers ran while the thread store slept');
      });
    });
  });

  it('returns the same value types as in process (int8, bigint beyond 2^53, timestamps, dates, arrays, json)', async () => {
    await withStore('memory://', async (s) => {
      const q = sql<Record<string, unknown>>`select 42::int8 as small, 9007199254740993::int8 as big,
        '2026-11-24 07:00:00'::timestamp as ts, '2026-11-24 08:00:00+01'::timestamptz as tstz, '2026-11-24'::date as d,
        array[1, 2]::int8[] as ids, '{"a": [1, "x"]}'::jsonb as j, 12.5::numeric as n, null::text as nothing`;
      const { rows } = await q.execute(s.db);
      assert.deepEqual(rows, [
        {
          small: 42,
          big: 9007199254740993n,
          ts: new Date('2026-11-24T07:00:00Z'),
          tstz: new Date('2026-11-24T07:00:00Z'),
          d: '2026-11-24',
          ids: [1, 2],
          j: { a: [1, 'x'] },
          n: '12.5',
          nothing: null,
        },
      ]);
      const ins = await s.db.insertInto('currencies').values({ code: 'XTH', name: 'Thread', symbol: 't', decimals: 2 }).executeTakeFirst();
      assert.equal(ins.numInsertedOrUpdatedRows, 1n);
      const upd = await s.db.updateTable('currencies').set({ decimals: 3 }).where('code', '=', 'XTH').executeTakeFirst();
      assert.equal(upd.numUpdatedRows, 1n);
    });
  });

  it('carries PostgreSQL error fields, so a unique violation is still told apart', async () => {
    await withStore('memory://', async (s) => {
      await s.db.insertInto('currencies').values({ code: 'XDU', name: 'One', symbol: 'o', decimals: 2 }).execute();
      const err = await s.db
        .insertInto('currencies')
        .values({ code: 'XDU', name: 'Two', symbol: 'o', decimals: 2 })
        .execute()
        .then(
          () => assert.fail('the duplicate was accepted'),
          (e: unknown) => e,
        );
      assert.match((err as Error).message, /duplicate key/);
      assert.equal((err as { code?: string }).code, '23505');
      const c = classifyDbError(err);
      assert.equal(c?.kind, 'unique');
      assert.deepEqual(c?.kind === 'unique' ? c.fields : undefined, ['code']);
      // the session goes on after an error
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from currencies where code = 'XDU'`.execute(s.db);
      assert.equal(rows[0]?.n, 1);
    });
  });

  it('keeps a transaction all-or-nothing and concurrent transactions apart', async () => {
    await withStore('memory://', async (s) => {
      await assert.rejects(
        s.db.transaction().execute(async (trx) => {
          await trx.insertInto('currencies').values({ code: 'XTA', name: 'A', symbol: 'a', decimals: 2 }).execute();
          await trx.insertInto('currencies').values({ code: 'XTA', name: 'dup', symbol: 'a', decimals: 2 }).execute();
        }),
        /duplicate key/,
      );
      assert.deepEqual(await s.db.selectFrom('currencies').select('code').where('code', '=', 'XTA').execute(), []);
      await sql`create table tx_counter (id integer primary key, n integer not null)`.execute(s.db);
      await sql`insert into tx_counter values (1, 0)`.execute(s.db);
      await Promise.all(
        Array.from({ length: 20 }, () =>
          s.db.transaction().execute(async (trx) => {
            const r = await sql<{ n: number }>`select n from tx_counter where id = 1`.execute(trx);
            await sql`update tx_counter set n = ${(r.rows[0]?.n ?? 0) + 1} where id = 1`.execute(trx);
          }),
        ),
      );
      const r = await sql<{ n: number }>`select n from tx_counter where id = 1`.execute(s.db);
      assert.equal(r.rows[0]?.n, 20, 'no increment lost: statements of two transactions never interleaved');
    });
  });

  it('keeps its data across close and reopen, and refuses statements after close', async () => {
    await withDir(async (dir) => {
      const first = await openStore({ dataDir: dir, pgliteThread: true });
      await first.db.insertInto('currencies').values({ code: 'XPT', name: 'Persisted', symbol: 'p', decimals: 3 }).execute();
      await first.close();
      await assert.rejects(first.db.selectFrom('currencies').select('code').execute(), /closed|destroyed/i);
      await withStore(dir, async (second) => {
        const row = await second.db.selectFrom('currencies').select(['name', 'decimals']).where('code', '=', 'XPT').executeTakeFirst();
        assert.deepEqual(row, { name: 'Persisted', decimals: 3 });
      });
    });
  });

  it('refuses a parameter that cannot cross threads, and goes on', async () => {
    await withStore('memory://', async (s) => {
      await assert.rejects(sql`select ${sql.val(Symbol('not a value'))} as x`.execute(s.db), /could not be cloned/);
      const { rows } = await sql<{ x: number }>`select ${7}::int as x`.execute(s.db);
      assert.deepEqual(rows, [{ x: 7 }]);
    });
  });

  it('fails to open with the reason when the data directory cannot be used', async () => {
    await withDir(async (dir) => {
      const file = join(dir, 'not-a-dir');
      await import('node:fs/promises').then((fs) => fs.writeFile(file, 'x'));
      await assert.rejects(openStore({ dataDir: join(file, 'pglite'), pgliteThread: true }), /ENOTDIR|not a directory/i);
    });
  });

  it('a store thread that dies fails the statement in flight and every later one, and resolves `failed`', async () => {
    const session = await openPgliteThread('memory://', undefined, new URL('./fixtures/dying-store-thread.ts', import.meta.url));
    await assert.rejects(session.run('select 1', []), /store thread exited \(code 3\)/);
    assert.match((await session.failed).message, /exited \(code 3\)/);
    await assert.rejects(session.run('select 1', []), /exited/);
    await session.close();
  });

  it('a closed session refuses statements with the reason, and closes once', async () => {
    const session = await openPgliteThread('memory://');
    assert.deepEqual((await session.run('select 1 as one', [])).rows, [{ one: 1 }]);
    await Promise.all([session.close(), session.close()]);
    await assert.rejects(session.run('select 1', []), /store closed/);
  });

  it('an error carries the stack of the statement\'s caller', async () => {
    await withStore('memory://', async (s) => {
      const err = await sql`select * from no_such_table`.execute(s.db).then(
        () => assert.fail('accepted'),
        (e: unknown) => e as Error,
      );
      assert.equal((err as { code?: string }).code, '42P01');
      assert.match(err.stack ?? '', /pglite-thread\.test\.ts/);
    });
  });
});
