import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pooledRandomInto, randomHex } from './random.ts';

describe('randomHex', () => {
  it('gives hex of the asked length, no repeats across pool refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const h = randomHex(i % 2 === 0 ? 6 : 10);
      assert.match(h, i % 2 === 0 ? /^[0-9a-f]{12}$/ : /^[0-9a-f]{20}$/);
      seen.add(h);
    }
    assert.equal(seen.size, 3000);
  });

  it('6-byte tags: no repeats across many refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const t = randomHex(6);
      assert.match(t, /^[0-9a-f]{12}$/);
      seen.add(t);
    }
    assert.equal(seen.size, 5000);
    assert.match(randomHex(4), /^[0-9a-f]{8}$/);
  });
});

describe('pooledRandomInto', () => {
  it('writes fresh bytes at the offset only, never the same bytes twice across refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.alloc(16, 0xee);
      pooledRandomInto(b, 8, 8);
      assert.ok(b.subarray(0, 8).equals(Buffer.alloc(8, 0xee)), 'bytes before the offset untouched');
      seen.add(b.subarray(8).toString('hex'));
    }
    assert.equal(seen.size, 2000);
  });
});
