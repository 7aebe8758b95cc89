import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PrefixIndex } from './prefix-index.ts';

test('longest prefix wins, exact get, duplicates refused', () => {
  const ix = new PrefixIndex<string>(1);
  assert.equal(ix.add('+34', 'Spain'), true);
  assert.equal(ix.add('+346', 'Spain mobile'), true);
  assert.equal(ix.add('+3491', 'Madrid'), true);
  assert.equal(ix.add('+34', 'again'), false);
  assert.equal(ix.size, 3);
  assert.equal(ix.longest('+34911234567'), 'Madrid');
  assert.equal(ix.longest('+34612345678'), 'Spain mobile');
  assert.equal(ix.longest('+34812345678'), 'Spain');
  assert.equal(ix.longest('+3'), undefined);
  assert.equal(ix.longest('+33123'), undefined);
  assert.equal(ix.longest('34911234567'), undefined);
  assert.equal(ix.longest('+34a91'), 'Spain');
  assert.equal(ix.get('+346'), 'Spain mobile');
  assert.equal(ix.get('+3'), undefined);
  assert.throws(() => ix.add('34', 'x'));
  assert.throws(() => ix.add('+3x', 'x'));
});

test('property: same answer as a naive scan over all prefixes', () => {
  const digits = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
  fc.assert(
    fc.property(fc.uniqueArray(digits(1, 5), { maxLength: 200 }), fc.array(digits(0, 8), { maxLength: 50 }), (prefixes, numbers) => {
      const ix = new PrefixIndex<string>(4);
      for (const p of prefixes) assert.equal(ix.add(`+${p}`, p), true);
      for (const n of numbers) {
        let best: string | undefined;
        for (const p of prefixes) if (n.startsWith(p) && (!best || p.length > best.length)) best = p;
        assert.equal(ix.longest(`+${n}`), best);
      }
    }),
  );
});
