// Migrations: discovery by file name, idempotent re-run, one transaction per migration, failures name the
// migration.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { forEachBackend } from '../support/stores.ts';
import { FolderMigrationProvider, MIGRATIONS_DIR, MigrationError, migrate } from '../../src/store/migrate.ts';
import { openStore } from '../../src/store/db.ts';

const shipped = readdirSync(MIGRATIONS_DIR)
  .filter((f) => /^\d{4}_.*\.ts$/.test(f) && !f.endsWith('.test.ts'))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();

forEachBackend('migrations', (b) => {
  it('records every shipped migration and applies nothing on a second run', async () => {
    const { db } = b.store;
    const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
    assert.deepEqual(
      rows.rows.map((r) => r.name),
      shipped,
    );
    assert.deepEqual(await migrate(db), []);
    assert.deepEqual(await migrate(db), []);
    const again = await sql<{ n: number }>`select count(*)::int as n from kysely_migration`.execute(db);
    assert.equal(again.rows[0]?.n, shipped.length);
  });

  it('rolls back a failing migration alone, keeps earlier ones, and names it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sy-mig-'));
    try {
      // .mts: the temp dir has no package.json saying "type": "module".
      await writeFile(
        join(dir, '0001_good.mts'),
        `export async function up(db) { await db.schema.createTable('mig_good').addColumn('id', 'integer').execute(); }`,
      );
      await writeFile(
        join(dir, '0002_bad.mts'),
        `export async function up(db) {
           await db.schema.createTable('mig_half').addColumn('id', 'integer').execute();
           await db.selectFrom('no_such_table').selectAll().execute();
         }`,
      );
      await writeFile(join(dir, 'README.md'), 'not a migration');
      await writeFile(join(dir, '0003_helper.test.mts'), 'throw new Error("tests are not migrations")');
      await writeFile(join(dir, 'x0004_wrong.mts'), 'throw new Error("not a migration name")');
      const db = b.store.db;
      const err = await migrate(db, { dir, table: 'test_migration' }).then(
        () => null,
        (e: unknown) => e,
      );
      assert.ok(err instanceof MigrationError, `expected MigrationError, got ${String(err)}`);
      assert.equal(err.migrationName, "0002_bad", err.message);
      assert.match(err.message, /0002_bad/);
      assert.match(err.message, /no_such_table/);
      const tables = await sql<{ t: string }>`
        select table_name as t from information_schema.tables where table_name like 'mig_%' order by 1`.execute(db);
      assert.deepEqual(
        tables.rows.map((r) => r.t),
        ['mig_good'],
        'the failed migration left nothing half-done',
      );
      const recorded = await sql<{ name: string }>`select name from test_migration`.execute(db);
      assert.deepEqual(
        recorded.rows.map((r) => r.name),
        ['0001_good'],
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('FolderMigrationProvider', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sy-mig-'));
    await writeFile(join(dir, '0002_b.mts'), 'export async function up() {}');
    await writeFile(join(dir, '0001_a.mts'), 'export async function up() {}\nexport async function down() {}');
    await writeFile(join(dir, '0003_c.d.ts'), 'export {};');
    await writeFile(join(dir, 'notes.mts'), 'export async function up() {}');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('finds NNNN_*.ts-like modules by name, sorted, without extensions', async () => {
    const found = await new FolderMigrationProvider(dir).getMigrations();
    assert.deepEqual(Object.keys(found), ['0001_a', '0002_b']);
    assert.equal(typeof found['0001_a']?.down, 'function');
    assert.equal(found['0002_b']?.down, undefined);
  });

  it('honours upTo', async () => {
    const found = await new FolderMigrationProvider(dir, '0001_a').getMigrations();
    assert.deepEqual(Object.keys(found), ['0001_a']);
  });

  it('rejects a module without up()', async () => {
    const bad = await mkdtemp(join(tmpdir(), 'sy-mig-'));
    try {
      await writeFile(join(bad, '0001_empty.mts'), 'export const x = 1;');
      await assert.rejects(new FolderMigrationProvider(bad).getMigrations(), /0001_empty\.mts does not export up/);
      await writeFile(join(bad, '0000_broken.mts'), 'import "no-such-package-anywhere";');
      await assert.rejects(new FolderMigrationProvider(bad).getMigrations(), (e: unknown) => {
        assert.ok(e instanceof MigrationError);
        assert.equal(e.migrationName, '0000_broken');
        return true;
      });
    } finally {
      await rm(bad, { recursive: true, force: true });
    }
  });
});

describe('openStore', () => {
  it('applies nothing with migrate: false, and close() is idempotent', async () => {
    const store = await openStore({ dataDir: 'memory://', migrate: false });
    try {
      const tables = await sql<{ n: number }>`
        select count(*)::int as n from information_schema.tables where table_name = 'countries'`.execute(store.db);
      assert.equal(tables.rows[0]?.n, 0, 'migrate: false applies nothing');
    } finally {
      await store.close();
      await store.close(); // idempotent
    }
  });
});
