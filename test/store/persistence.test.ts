// PGlite on disk: data survives close + reopen, and reopening applies no migration twice.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openStore } from '../../src/store/db.ts';

describe('PGlite store in a directory', () => {
  it('keeps its data across close and reopen', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sy-pglite-'));
    try {
      const dataDir = join(dir, 'nested', 'pglite'); // created on demand
      const first = await openStore({ dataDir });
      let migrations: unknown[];
      try {
        assert.equal(first.kind, 'pglite');
        await first.db.insertInto('currencies').values({ code: 'XPZ', name: 'Persisted', symbol: 'p', decimals: 3 }).execute();
        migrations = (await sql`select name, timestamp from kysely_migration order by name`.execute(first.db)).rows;
      } finally {
        await first.close();
      }
      const second = await openStore({ dataDir });
      try {
        const row = await second.db.selectFrom('currencies').select(['name', 'decimals']).where('code', '=', 'XPZ').executeTakeFirst();
        assert.deepEqual(row, { name: 'Persisted', decimals: 3 });
        const again = (await sql`select name, timestamp from kysely_migration order by name`.execute(second.db)).rows;
        assert.deepEqual(again, migrations, 'no migration re-applied');
        const es = await second.db.selectFrom('countries').select('callingCode').where('code', '=', 'ES').executeTakeFirst();
        assert.equal(es?.callingCode, '+34');
      } finally {
        await second.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
