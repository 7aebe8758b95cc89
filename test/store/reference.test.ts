// Reference data seeded by migration 0001: counts, spot values, and identical ids on both backends.
import { after, it, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { forEachBackend, openPgliteTestStore, openPostgresTestStore, stopSharedPostgres } from '../support/stores.ts';
import { postgresUnavailable } from '../support/postgres.ts';
import type { Store } from '../../src/store/db.ts';

const fileRows = (name: string): number =>
  (JSON.parse(readFileSync(new URL(`../../src/store/reference/${name}.json`, import.meta.url), 'utf8')) as unknown[])
    .length;

forEachBackend(
  'reference data',
  (b) => {
    it('holds every row of the committed JSON files', async () => {
      const { db } = b.store;
      for (const table of ['countries', 'currencies', 'languages', 'timezones'] as const) {
        const row = await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
        assert.equal(row.n, fileRows(table), table);
      }
      assert.ok(fileRows('countries') >= 245, 'all ISO countries');
      assert.ok(fileRows('currencies') >= 150);
      assert.ok(fileRows('timezones') >= 400);
    });

    it('has Spain with +34 in Europe and the US with +1', async () => {
      const { db } = b.store;
      const es = await db.selectFrom('countries').selectAll().where('code', '=', 'ES').executeTakeFirstOrThrow();
      assert.equal(es.name, 'Spain');
      assert.equal(es.callingCode, '+34');
      assert.deepEqual(es.callingCodes, ['+34']);
      assert.equal(es.continent, 'EU');
      assert.equal(es.continentName, 'Europe');
      const us = await db.selectFrom('countries').selectAll().where('code', '=', 'US').executeTakeFirstOrThrow();
      assert.equal(us.callingCode, '+1');
      assert.equal(us.continent, 'NA');
      assert.equal(us.continentName, 'North America');
      const xk = await db.selectFrom('countries').selectAll().where('code', '=', 'XK').executeTakeFirstOrThrow();
      assert.equal(xk.callingCode, '+383', 'Kosovo: its own ITU code is primary');
      assert.ok(xk.callingCodes.length > 1);
    });

    it('has EUR (€), USD ($), GBP (£) with their decimals', async () => {
      const rows = await b.store.db
        .selectFrom('currencies')
        .select(['code', 'name', 'symbol', 'decimals'])
        .where('code', 'in', ['EUR', 'USD', 'GBP', 'JPY'])
        .orderBy('code')
        .execute();
      assert.deepEqual(rows, [
        { code: 'EUR', name: 'Euro', symbol: '€', decimals: 2 },
        { code: 'GBP', name: 'British Pound', symbol: '£', decimals: 2 },
        { code: 'JPY', name: 'Japanese Yen', symbol: '¥', decimals: 0 },
        { code: 'USD', name: 'US Dollar', symbol: '$', decimals: 2 },
      ]);
    });

    it('has languages and IANA time zones with current names', async () => {
      const { db } = b.store;
      const es = await db.selectFrom('languages').selectAll().where('code', '=', 'es').executeTakeFirstOrThrow();
      assert.equal(es.name, 'Spanish');
      const madrid = await db.selectFrom('timezones').selectAll().where('name', '=', 'Europe/Madrid').executeTakeFirstOrThrow();
      assert.equal(madrid.countryCode, 'ES');
      const utc = await db.selectFrom('timezones').selectAll().where('name', '=', 'UTC').executeTakeFirstOrThrow();
      assert.equal(utc.countryCode, null);
      const legacy = await db.selectFrom('timezones').select('name').where('name', 'in', ['Asia/Calcutta', 'Asia/Kolkata']).execute();
      assert.deepEqual(legacy.map((r) => r.name), ['Asia/Kolkata']);
      // Every zone is usable by this Node's Intl (alias or canonical name).
      const all = await db.selectFrom('timezones').select('name').execute();
      for (const { name } of all) assert.doesNotThrow(() => new Intl.DateTimeFormat('en', { timeZone: name }), name);
    });

    it('continues ids after the seeded rows', async () => {
      const row = await b.store.db
        .insertInto('currencies')
        .values({ code: 'XZZ', name: 'Test', symbol: 'z', decimals: 2 })
        .returning('id')
        .executeTakeFirstOrThrow();
      assert.equal(row.id, fileRows('currencies') + 1);
    });
  },
  { fresh: 'suite' },
);

describe('reference ids across backends', () => {
  after(stopSharedPostgres);
  const skip = process.env.CI === 'true' ? null : postgresUnavailable();
  it('are identical on PGlite and PostgreSQL', skip ? { skip } : {}, async () => {
    const stores: Store[] = [];
    try {
      stores.push(await openPgliteTestStore(), await openPostgresTestStore());
      const dumps = await Promise.all(
        stores.map(async ({ db }) => ({
          countries: await db.selectFrom('countries').select(['id', 'code', 'callingCode']).orderBy('id').execute(),
          currencies: await db.selectFrom('currencies').select(['id', 'code', 'symbol']).orderBy('id').execute(),
          languages: await db.selectFrom('languages').select(['id', 'code']).orderBy('id').execute(),
          timezones: await db.selectFrom('timezones').select(['id', 'name']).orderBy('id').execute(),
        })),
      );
      assert.deepEqual(dumps[0], dumps[1]);
      assert.equal(dumps[0]?.countries[0]?.id, 1);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });
});
