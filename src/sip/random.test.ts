import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomHex } from './random.ts';

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
