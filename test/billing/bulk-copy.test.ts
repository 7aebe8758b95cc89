// bulk-copy.ts on both backends: rows arrive as sent (COPY text escaping, nulls, timestamps); a failure while the
// rows are being produced aborts the load, the transaction rolls back and the connection stays usable; loading
// outside a transaction is refused; backend detection. Plus the COPY text encoders as properties.
import { it, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { sql } from 'kysely';
import { forEachBackend } from '../support/stores.ts';
import { bulkLoad, copyText, copyTimestamp, detectBackend, type BulkChunk, type BulkColumn } from '../../src/billing/bulk-copy.ts';

const COLS: readonly BulkColumn[] = [{ name: 'n', type: 'integer' }, { name: 't', type: 'text' }, { name: 'at', type: 'timestamptz' }];

function chunk(copy: boolean, rows: Array<[number, string | null, number]>): BulkChunk {
  if (copy) return { rows: rows.length, text: rows.map(([n, t, at]) => `${n}\t${copyText(t)}\t${copyTimestamp(at)}\n`).join('') };
  return { rows: rows.length, arrays: [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => copyTimestamp(r[2]))] };
}

forEachBackend('bulk load', (b) => {
  it('loads chunks as sent, refuses to run outside a transaction, detects the backend', async () => {
    const db = b.store.db;
    assert.equal(await detectBackend(db), b.kind);
    await sql`create table bulk_t (n integer, t text, at timestamptz)`.execute(db);
    const copy = b.kind === 'postgres';
    const rows: Array<[number, string | null, number]> = [[1, 'plain', 0], [2, null, 1_700_000_000_123], [3, 'a\tb\\c\nd\r\\N', -86_400_001]];
    const n = await db.transaction().execute((trx) => bulkLoad(trx, b.kind, 'bulk_t', COLS, [chunk(copy, rows.slice(0, 1)), chunk(copy, []), chunk(copy, rows.slice(1))]));
    assert.equal(n, 3);
    const got = await sql<{ n: number; t: string | null; at: Date }>`select n, t, at from bulk_t order by n`.execute(db);
    assert.deepEqual(got.rows.map((r) => [r.n, r.t, r.at.getTime()]), rows);
    await assert.rejects(bulkLoad(db, b.kind, 'bulk_t', COLS, [chunk(copy, rows)]), /inside a transaction/);
  });

  it('a failure while producing rows rolls the load back and leaves the connection usable', async () => {
    const db = b.store.db;
    await sql`create table bulk_f (n integer, t text, at timestamptz)`.execute(db);
    const copy = b.kind === 'postgres';
    async function* failing(): AsyncGenerator<BulkChunk> {
      yield chunk(copy, [[1, 'x', 0]]);
      throw new Error('producer failed');
    }
    await assert.rejects(db.transaction().execute(async (trx) => {
      await sql`insert into bulk_f values (0, 'before', now())`.execute(trx);
      await bulkLoad(trx, b.kind, 'bulk_f', COLS, failing());
    }), /producer failed/);
    // A row the table refuses (not null) fails the load on the server side too.
    await sql`alter table bulk_f alter column n set not null`.execute(db);
    await assert.rejects(db.transaction().execute((trx) => bulkLoad(trx, b.kind, 'bulk_f', COLS, [{ ...chunk(copy, [[1, 'x', 0]]),
      ...(copy ? { text: '\\N\tx\t2024-01-01 00:00:00+00\n' } : { arrays: [[null], ['x'], ['2024-01-01 00:00:00+00']] }) }])));
    for (let i = 0; i < 3; i++) {
      const r = await sql<{ c: number }>`select count(*)::int4 as c from bulk_f`.execute(db);
      assert.equal(r.rows[0]?.c, 0);
    }
  });
});

test('copyTimestamp equals the ISO time; copyText escapes exactly backslash, tab, newline, CR', () => {
  fc.assert(fc.property(fc.integer({ min: -2_000_000_000_000, max: 5_000_000_000_000 }), (ms) => {
    const iso = new Date(ms).toISOString();
    assert.equal(copyTimestamp(ms), `${iso.slice(0, 10)} ${iso.slice(11, 23)}+00`);
  }));
  const unescape = (s: string) => s.replace(/\\(.)/g, (_, c: string) => (c === 't' ? '\t' : c === 'n' ? '\n' : c === 'r' ? '\r' : c));
  fc.assert(fc.property(fc.string({ unit: fc.constantFrom('a', '\\', '\t', '\n', '\r', 'N', 'é', ' ') }), (s) => {
    const e = copyText(s);
    assert.doesNotMatch(e, /[\t\n\r]/);
    assert.equal(unescape(e), s);
  }));
  assert.equal(copyText(null), '\\N');
  assert.equal(copyText('\\N'), '\\\\N');
});
