import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashPassword, verifyPassword, DUMMY_HASH } from './passwords.ts';
import { signJwt, verifyJwt } from './jwt.ts';

test('scrypt hashes carry parameters and a per-hash salt', async () => {
  const a = await hashPassword('changeme');
  const b = await hashPassword('changeme');
  assert.match(a, /^scrypt\$16384\$8\$1\$/);
  assert.notEqual(a, b);
  assert.equal(await verifyPassword('changeme', a), true);
  assert.equal(await verifyPassword('changeMe', a), false);
  assert.equal(await verifyPassword('x', 'garbage'), false);
  assert.equal(await verifyPassword('', DUMMY_HASH), false);
  const cheap = await hashPassword('pw', { N: 1024, r: 8, p: 1 });
  assert.equal(await verifyPassword('pw', cheap), true);
});

test('HS256 JWT: signature, expiry, alg', () => {
  const t = signJwt({ sub: '1', iat: 100, exp: 200 }, 'secret');
  assert.deepEqual(verifyJwt(t, 'secret', 150), { ok: true, claims: { sub: '1', iat: 100, exp: 200 } });
  assert.deepEqual(verifyJwt(t, 'secret', 200), { ok: false, code: 'EXPIRED' });
  assert.deepEqual(verifyJwt(t, 'other', 150), { ok: false, code: 'BAD_SIGNATURE' });
  const [, p, s] = t.split('.');
  const none = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
  assert.deepEqual(verifyJwt(`${none}.${p}.${s}`, 'secret', 150), { ok: false, code: 'MALFORMED' });
  assert.deepEqual(verifyJwt('a.b', 'secret', 150), { ok: false, code: 'MALFORMED' });
});
