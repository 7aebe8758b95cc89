import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { mergeImportedRates } from './rate-merge.ts';
import { parseRateCsv, type ImportedRate } from './rate-csv.ts';
import type { Rate } from './model.ts';
import { m } from './test-fixtures.ts';

function rows(text: string): readonly ImportedRate[] {
  const r = parseRateCsv(text);
  assert.ok(r.ok);
  return r.rows;
}

test('re-import (second.csv over first.csv): common updated, first-only kept, second-only added', () => {
  const first = mergeImportedRates([], rows('Spain,+34,0.02,0,60\nFrance,+33,0.03,0,60\n'), () => false);
  assert.deepEqual(first.destinationsToCreate, [{ prefix: '+34', name: 'Spain' }, { prefix: '+33', name: 'France' }]);
  const known = new Set(['+34', '+33']);
  const second = mergeImportedRates(first.rates, rows('Spain,+34,0.05,0.01,1\nItaly,+39,0.04,0,60\n'), (p) => known.has(p));
  assert.deepEqual(second.rates.map((r) => [r.prefix, r.perMinuteRate, r.connectionCharge, r.chargePeriod]), [
    ['+34', m('0.05'), m('0.01'), 1],
    ['+33', m('0.03'), 0, 60],
    ['+39', m('0.04'), 0, 60],
  ]);
  assert.deepEqual([second.updated, second.kept, second.added, second.unchanged], [1, 1, 1, 0]);
  assert.deepEqual(second.destinationsToCreate, [{ prefix: '+39', name: 'Italy' }]);
});

const arbImported = fc
  .uniqueArray(
    fc.record({
      prefix: fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 4 }).map((d) => `+${d}`),
      perMinuteRate: fc.nat(10_000),
      connectionCharge: fc.nat(1000),
      chargePeriod: fc.integer({ min: 1, max: 60 }),
      intervalStart: fc.nat(30),
    }),
    { selector: (r) => r.prefix, maxLength: 40 },
  )
  .map((rs) => rs.map((r, i): ImportedRate => ({ ...r, line: i + 1, name: `d${r.prefix}` })));

test('property: importing the same file twice is the same as once', () => {
  fc.assert(
    fc.property(arbImported, arbImported, (existingRows, file) => {
      const existing: Rate[] = existingRows.map(({ line: _l, name: _n, ...r }) => r);
      const known = new Set(existing.map((r) => r.prefix));
      const once = mergeImportedRates(existing, file, (p) => known.has(p));
      for (const d of once.destinationsToCreate) known.add(d.prefix);
      const twice = mergeImportedRates(once.rates, file, (p) => known.has(p));
      assert.deepEqual(twice.rates, once.rates);
      assert.equal(twice.added, 0);
      assert.equal(twice.updated, 0);
      assert.deepEqual(twice.destinationsToCreate, []);
      // every file prefix carries the file's values, every other existing prefix is kept
      const byPrefix = new Map(once.rates.map((r) => [r.prefix, r]));
      for (const f of file) assert.equal(byPrefix.get(f.prefix)?.perMinuteRate, f.perMinuteRate);
      for (const e of existing) assert.ok(byPrefix.has(e.prefix));
      assert.equal(once.rates.length, new Set([...existing.map((r) => r.prefix), ...file.map((r) => r.prefix)]).size);
    }),
  );
});
