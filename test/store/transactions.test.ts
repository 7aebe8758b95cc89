// Transactions: all-or-nothing, isolated from concurrent callers (PGlite serialises its one session), savepoints.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { forEachBackend } from '../support/stores.ts';

function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

forEachBackend(
  'transactions',
  (b) => {
    it('roll back everything when a statement fails', async () => {
      const { db } = b.store;
      await assert.rejects(
        db.transaction().execute(async (trx) => {
          await trx.insertInto('currencies').values({ code: 'XAA', name: 'A', symbol: 'a', decimals: 2 }).execute();
          await trx.insertInto('languages').values({ code: 'zz', name: 'Z', nativeName: 'Z' }).execute();
          await trx.insertInto('currencies').values({ code: 'XAA', name: 'dup', symbol: 'a', decimals: 2 }).execute();
        }),
        /duplicate key/,
      );
      const cur = await db.selectFrom('currencies').select('id').where('code', '=', 'XAA').execute();
      const lang = await db.selectFrom('languages').select('id').where('code', '=', 'zz').execute();
      assert.deepEqual([cur, lang], [[], []]);
    });

    it('commit when the callback resolves', async () => {
      const { db } = b.store;
      const id = await db.transaction().execute(async (trx) => {
        const r = await trx.insertInto('currencies').values({ code: 'XAB', name: 'B', symbol: 'b', decimals: 2 }).returning('id').executeTakeFirstOrThrow();
        return r.id;
      });
      const row = await db.selectFrom('currencies').select(['id', 'code']).where('id', '=', id).executeTakeFirstOrThrow();
      assert.equal(row.code, 'XAB');
    });

    it('keep uncommitted rows invisible to concurrent queries', async () => {
      const { db } = b.store;
      const reached = gate();
      const proceed = gate();
      const tx = db.transaction().execute(async (trx) => {
        await trx.insertInto('currencies').values({ code: 'XAC', name: 'C', symbol: 'c', decimals: 2 }).execute();
        reached.open();
        await proceed.wait;
        throw new Error('abort on purpose');
      });
      await reached.wait;
      // Issued while the transaction is open. On PGlite it waits for the session; on PostgreSQL it runs on
      // another connection. Either way it must not see (or be part of) the open transaction.
      const read = db.selectFrom('currencies').select('code').where('code', '=', 'XAC').execute();
      proceed.open();
      await assert.rejects(tx, /abort on purpose/);
      assert.deepEqual(await read, []);
      assert.deepEqual(await db.selectFrom('currencies').select('code').where('code', '=', 'XAC').execute(), []);
    });

    it('run many concurrent transactions without interleaving', async () => {
      const { db } = b.store;
      await sql`create table tx_counter (id integer primary key, n integer not null)`.execute(db);
      await sql`insert into tx_counter values (1, 0)`.execute(db);
      // Each transaction reads then writes; serialised (PGlite) or row-locked (for update) they never lose an
      // increment.
      await Promise.all(
        Array.from({ length: 20 }, () =>
          db.transaction().execute(async (trx) => {
            const r = await sql<{ n: number }>`select n from tx_counter where id = 1 for update`.execute(trx);
            await sql`update tx_counter set n = ${(r.rows[0]?.n ?? 0) + 1} where id = 1`.execute(trx);
          }),
        ),
      );
      const r = await sql<{ n: number }>`select n from tx_counter where id = 1`.execute(db);
      assert.equal(r.rows[0]?.n, 20);
    });

    it('support savepoints in controlled transactions', async () => {
      const { db } = b.store;
      const trx = await db.startTransaction().execute();
      try {
        await trx.insertInto('currencies').values({ code: 'XAD', name: 'D', symbol: 'd', decimals: 2 }).execute();
        const sp = await trx.savepoint('before_e').execute();
        await sp.insertInto('currencies').values({ code: 'XAE', name: 'E', symbol: 'e', decimals: 2 }).execute();
        await sp.rollbackToSavepoint('before_e').execute();
        await trx.commit().execute();
      } catch (err) {
        await trx.rollback().execute();
        throw err;
      }
      const codes = await db.selectFrom('currencies').select('code').where('code', 'in', ['XAD', 'XAE']).execute();
      assert.deepEqual(codes, [{ code: 'XAD' }]);
    });
  },
  { fresh: 'suite' },
);
