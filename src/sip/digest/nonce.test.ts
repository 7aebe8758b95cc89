import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NonceKey } from './nonce.ts';

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

test('NonceKey: issued nonces check out with their issue time; expiry, skew, realm, key and tampering are caught', () => {
  const key = new NonceKey(Buffer.alloc(32, 1));
  const t0 = 1_795_000_000_123;
  const n = key.issue('sip.example.com', t0);
  assert.match(n, /^[A-Za-z0-9_-]{43}$/);
  assert.notEqual(key.issue('sip.example.com', t0), n, 'random part: two nonces of the same millisecond differ');
  assert.deepEqual(key.check('sip.example.com', n, t0 + 1000, 300_000), { ok: true, issuedAt: t0, expired: false });
  assert.deepEqual(key.check('sip.example.com', n, t0 + 300_001, 300_000), { ok: true, issuedAt: t0, expired: true });
  assert.equal((key.check('sip.example.com', n, t0 - 6000, 300_000) as { expired: boolean }).expired, true, 'from the future');
  assert.deepEqual(key.check('other.example.com', n, t0, 300_000), { ok: false }, 'another realm');
  assert.deepEqual(new NonceKey(Buffer.alloc(32, 2)).check('sip.example.com', n, t0, 300_000), { ok: false }, 'another key');
  for (const i of [0, 12, 20, 30, 41]) {
    const c = B64URL[(B64URL.indexOf(n[i]!) + 1) % 64]!;
    assert.deepEqual(key.check('sip.example.com', n.slice(0, i) + c + n.slice(i + 1), t0, 300_000), { ok: false }, `character ${i} changed`);
  }
  for (const bad of ['', n.slice(1), `${n}A`, `${n.slice(0, 42)}=`, `${n.slice(0, 10)}+${n.slice(11)}`]) {
    assert.deepEqual(key.check('sip.example.com', bad, t0, 300_000), { ok: false }, JSON.stringify(bad));
  }
});

test('NonceKey: only the spelling that was issued is accepted (43 characters carry 2 spare bits)', () => {
  const key = new NonceKey(Buffer.alloc(16, 9));
  const n = key.issue('r', 5000);
  const last = B64URL.indexOf(n[42]!);
  assert.equal(last & 3, 0);
  for (let spare = 1; spare < 4; spare++) {
    const variant = n.slice(0, 42) + B64URL[last | spare]!;
    assert.equal(Buffer.from(variant, 'base64url').equals(Buffer.from(n, 'base64url')), true, 'decodes to the same bytes');
    assert.deepEqual(key.check('r', variant, 5000, 1000), { ok: false });
  }
});
