import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomTag } from './random-tag.ts';

describe('randomTag', () => {
  it('gives hex of the asked length, and no repeats across pool refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const t = randomTag();
      assert.match(t, /^[0-9a-f]{12}$/);
      seen.add(t);
    }
    assert.equal(seen.size, 5000);
    assert.match(randomTag(4), /^[0-9a-f]{8}$/);
  });
});
