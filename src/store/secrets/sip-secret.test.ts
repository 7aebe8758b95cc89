import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { computeHa1, decryptSipSecret, deriveSipSecretKey, encryptSipSecret, generateSipPassword } from './sip-secret.ts';
import { isSecureSipPassword } from '../../domain/vpbx/sip-password.ts';

const keyA = deriveSipSecretKey(randomBytes(32).toString('base64'));
const keyB = deriveSipSecretKey(randomBytes(32).toString('base64'));

describe('SIP secrets at rest', () => {
  it('decrypts with the key it was encrypted with', () => {
    const env = encryptSipSecret(keyA, 's3cr3t-ñ');
    assert.ok(!env.includes('s3cr3t'));
    assert.deepEqual(decryptSipSecret(keyA, env), { ok: true, plaintext: 's3cr3t-ñ' });
    // a fresh IV each time
    assert.notEqual(encryptSipSecret(keyA, 'x'), encryptSipSecret(keyA, 'x'));
  });

  it('does not decrypt with another key, nor tampered or malformed data', () => {
    const env = encryptSipSecret(keyA, 'secret');
    assert.deepEqual(decryptSipSecret(keyB, env), { ok: false, code: 'SECRET_WRONG_KEY' });
    // same kid forged onto another key's envelope: GCM still refuses
    const forged = env.split('.');
    const other = encryptSipSecret(keyB, 'secret').split('.');
    forged[4] = other[4] ?? '';
    assert.deepEqual(decryptSipSecret(keyA, forged.join('.')), { ok: false, code: 'SECRET_TAMPERED' });
    assert.deepEqual(decryptSipSecret(keyA, 'secret'), { ok: false, code: 'SECRET_MALFORMED' });
  });

  it('rejects short keys', () => {
    assert.throws(() => deriveSipSecretKey(randomBytes(16).toString('base64')));
  });

  it('HA1 is H(name:domain:password) for MD5 and SHA-256', () => {
    const h = computeHa1('alice', 'users.democlient.com', 'alice');
    assert.equal(h.ha1Md5, createHash('md5').update('alice:users.democlient.com:alice').digest('hex'));
    assert.equal(h.ha1Sha256, createHash('sha256').update('alice:users.democlient.com:alice').digest('hex'));
    // RFC 2617 §3.5 example: Mufasa / testrealm@host.com / Circle Of Life
    assert.equal(computeHa1('Mufasa', 'testrealm@host.com', 'Circle Of Life').ha1Md5, '939e7578ed9e3c518a452acee763bce9');
  });

  it('generated passwords are secure and different', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const pw = generateSipPassword();
      assert.equal(pw.length, 16);
      assert.ok(isSecureSipPassword(pw), pw);
      seen.add(pw);
    }
    assert.equal(seen.size, 200);
    assert.ok(isSecureSipPassword(generateSipPassword(10)));
    assert.throws(() => generateSipPassword(8));
  });
});
