// Constraint violations classified as values, identically for pg and PGlite errors.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql, type Kysely } from 'kysely';
import { forEachBackend } from '../support/stores.ts';
import { classifyDbError, toCamel } from '../../src/store/errors.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

async function schema(db: AnyDb): Promise<void> {
  await sql`create table err_brands (id integer primary key, sip_domain text not null constraint err_brands_sip_domain_key unique)`.execute(db);
  await sql`create table err_clients (
    id integer primary key,
    brand_id integer not null constraint err_clients_brand_id_fkey references err_brands(id),
    name text not null,
    max_calls integer not null default 0 constraint err_clients_max_calls_check check (max_calls >= 0)
  )`.execute(db);
  await sql`create unique index err_clients_brand_name_key on err_clients (brand_id, lower(name))`.execute(db);
  await sql`insert into err_brands values (1, 'a.example'), (2, 'b.example')`.execute(db);
  await sql`insert into err_clients (id, brand_id, name) values (10, 1, 'Acme')`.execute(db);
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  assert.fail('expected the statement to fail');
}

forEachBackend(
  'classifyDbError',
  (b) => {
    it('classifies unique violations with the key columns', async () => {
      const db = b.store.db as unknown as AnyDb;
      await schema(db);
      const e1 = await failure(db.insertInto('err_brands').values({ id: 3, sipDomain: 'a.example' }).execute());
      assert.deepEqual(classifyDbError(e1), {
        kind: 'unique',
        constraint: 'err_brands_sip_domain_key',
        table: 'err_brands',
        columns: ['sip_domain'],
        fields: ['sipDomain'],
      });
      const e2 = await failure(db.insertInto('err_clients').values({ id: 11, brandId: 1, name: 'ACME' }).execute());
      assert.deepEqual(classifyDbError(e2), {
        kind: 'unique',
        constraint: 'err_clients_brand_name_key',
        table: 'err_clients',
        columns: ['brand_id', 'name'],
        fields: ['brandId', 'name'],
      });
      const e3 = await failure(db.insertInto('err_brands').values({ id: 1, sipDomain: 'c.example' }).execute());
      assert.equal(classifyDbError(e3)?.kind, 'unique');
      assert.equal((classifyDbError(e3) as { constraint: string }).constraint, 'err_brands_pkey');
    });

    it('classifies foreign-key violations both ways', async () => {
      const db = b.store.db as unknown as AnyDb;
      const missing = await failure(db.insertInto('err_clients').values({ id: 12, brandId: 99, name: 'X' }).execute());
      assert.deepEqual(classifyDbError(missing), {
        kind: 'foreign_key',
        constraint: 'err_clients_brand_id_fkey',
        reason: 'missing_referenced_row',
        table: 'err_clients',
        referencedTable: 'err_brands',
        columns: ['brand_id'],
        fields: ['brandId'],
      });
      const referenced = await failure(db.deleteFrom('err_brands').where('id', '=', 1).execute());
      assert.deepEqual(classifyDbError(referenced), {
        kind: 'foreign_key',
        constraint: 'err_clients_brand_id_fkey',
        reason: 'still_referenced',
        table: 'err_clients',
        referencingTable: 'err_clients',
      });
    });

    it('classifies not-null and check violations', async () => {
      const db = b.store.db as unknown as AnyDb;
      const nn = await failure(db.insertInto('err_clients').values({ id: 13, brandId: 2, name: null }).execute());
      const c = classifyDbError(nn);
      assert.equal(c?.kind, 'not_null');
      assert.equal((c as { column: string }).column, 'name');
      assert.equal((c as { field: string }).field, 'name');
      assert.equal((c as { table?: string }).table, 'err_clients');
      const nn2 = await failure(db.insertInto('err_brands').values({ id: 5, sipDomain: null }).execute());
      assert.equal((classifyDbError(nn2) as { field: string }).field, 'sipDomain');
      const check = await failure(db.insertInto('err_clients').values({ id: 14, brandId: 2, name: 'Y', maxCalls: -1 }).execute());
      assert.deepEqual(classifyDbError(check), { kind: 'check', constraint: 'err_clients_max_calls_check', table: 'err_clients' });
    });

    it('returns null for errors that are not constraint violations', async () => {
      const syntax = await failure(sql`selec 1`.execute(b.store.db));
      assert.equal(classifyDbError(syntax), null);
      const missingTable = await failure(sql`select * from nope`.execute(b.store.db));
      assert.equal(classifyDbError(missingTable), null);
    });
  },
  { fresh: 'suite' },
);

describe('classifyDbError (plain values)', () => {
  it('ignores non-errors and looks one cause deep', () => {
    assert.equal(classifyDbError(null), null);
    assert.equal(classifyDbError('23505'), null);
    assert.equal(classifyDbError(new Error('x')), null);
    const wrapped = new Error('outer', { cause: { code: '23514', constraint: 'c' } });
    assert.deepEqual(classifyDbError(wrapped), { kind: 'check', constraint: 'c' });
  });

  it('maps snake_case to camelCase', () => {
    assert.equal(toCamel('brand_id'), 'brandId');
    assert.equal(toCamel('max_calls_2'), 'maxCalls2');
    assert.equal(toCamel('name'), 'name');
  });
});
