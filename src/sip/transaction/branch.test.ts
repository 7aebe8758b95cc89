import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasMagicCookie, newBranch } from './branch.ts';
import { pooledRandom } from '../random.ts';

test('branch: magic cookie, 14 base64url characters of randomness, unique across pool refills', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 5000; i++) {
    // 5000 × 10 bytes is about a dozen refills of the 4 KiB pool
    const b = newBranch();
    assert.match(b, /^z9hG4bK[A-Za-z0-9_-]{14}$/);
    assert.ok(hasMagicCookie(b));
    seen.add(b);
  }
  assert.equal(seen.size, 5000);
});

test('pooledRandom: the requested number of bytes, never the same twice in a row', () => {
  const a = pooledRandom(6);
  const b = pooledRandom(6);
  assert.equal(Buffer.from(a, 'base64url').length, 6);
  assert.notEqual(a, b);
});
