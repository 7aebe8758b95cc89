// SIP secrets at rest (terminals now; friends, retail accounts and residential devices later). The password must
// come back for provisioning (seed-part1 §1.31: provisioning serves the credentials), so it is encrypted, not
// hashed: AES-256-GCM with a key derived from the platform encryption key (src/config/secrets.ts) by HKDF-SHA256,
// so this use never shares key material with another. The digest-auth hot path never decrypts: HA1 values
// (RFC 7616 §3.4.2: H(username ":" realm ":" password)) are precomputed for MD5 and SHA-256 and stored alongside.
//
// Envelope: `v1.<kid>.<iv>.<tag>.<ciphertext>` (base64url). `kid` = first 8 hex digits of SHA-256 of the derived
// key: a wrong key is told apart from corrupt data, and a later key rotation can find the rows still on the old key.
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes, randomInt } from 'node:crypto';
import { isSecureSipPassword, SIP_PASSWORD_MIN_LENGTH } from '../../domain/vpbx/sip-password.ts';

export interface SipSecretKey {
  readonly key: Buffer;
  readonly kid: string;
}

const INFO = 'switchyard sip secrets v1';
const AAD = Buffer.from('sy-sip-secret-v1');

/** Derives the SIP-secret key from the platform encryption key (base64, ≥ 32 bytes as secrets.ts requires). */
export function deriveSipSecretKey(encryptionKey: string): SipSecretKey {
  const ikm = Buffer.from(encryptionKey, 'base64');
  if (ikm.length < 32) throw new Error('the encryption key must be base64 of at least 32 bytes');
  const key = Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), INFO, 32));
  return { key, kid: createHash('sha256').update(key).digest('hex').slice(0, 8) };
}

export function encryptSipSecret(k: SipSecretKey, plaintext: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', k.key, iv);
  c.setAAD(AAD);
  const ct = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
  return ['v1', k.kid, iv.toString('base64url'), c.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
}

export type DecryptResult =
  | { readonly ok: true; readonly plaintext: string }
  | { readonly ok: false; readonly code: 'SECRET_MALFORMED' | 'SECRET_WRONG_KEY' | 'SECRET_TAMPERED' };

export function decryptSipSecret(k: SipSecretKey, envelope: string): DecryptResult {
  const parts = envelope.split('.');
  if (parts.length !== 5 || parts[0] !== 'v1') return { ok: false, code: 'SECRET_MALFORMED' };
  const [, kid, iv, tag, ct] = parts as [string, string, string, string, string];
  if (kid !== k.kid) return { ok: false, code: 'SECRET_WRONG_KEY' };
  try {
    const d = createDecipheriv('aes-256-gcm', k.key, Buffer.from(iv, 'base64url'));
    d.setAAD(AAD);
    d.setAuthTag(Buffer.from(tag, 'base64url'));
    const pt = Buffer.concat([d.update(Buffer.from(ct, 'base64url')), d.final()]);
    return { ok: true, plaintext: pt.toString('utf8') };
  } catch {
    return { ok: false, code: 'SECRET_TAMPERED' };
  }
}

export interface Ha1Pair {
  readonly ha1Md5: string;
  readonly ha1Sha256: string;
}

/** RFC 7616 §3.4.2 / RFC 2617 §3.2.2.2: HA1 = H(username:realm:password); realm = the SIP domain. */
export function computeHa1(username: string, realm: string, password: string): Ha1Pair {
  const a1 = `${username}:${realm}:${password}`;
  return {
    ha1Md5: createHash('md5').update(a1, 'utf8').digest('hex'),
    ha1Sha256: createHash('sha256').update(a1, 'utf8').digest('hex'),
  };
}

const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const LOWER = 'abcdefghijkmnopqrstuvwxyz';
const DIGITS = '23456789';
const SYMBOLS = '+-_.*';

/**
 * A random password meeting the "secure password" rule (src/domain/vpbx/sip-password.ts): `length` chars (≥ 10)
 * from a set without look-alikes (0/O, 1/l/I), at least one upper, lower and digit, so it can be read off a
 * screen and typed into a phone. 16 chars of a 68-symbol alphabet ≈ 97 bits.
 */
export function generateSipPassword(length = 16): string {
  if (length < SIP_PASSWORD_MIN_LENGTH) throw new Error(`SIP passwords have at least ${SIP_PASSWORD_MIN_LENGTH} characters`);
  const all = UPPER + LOWER + DIGITS + SYMBOLS;
  for (;;) {
    let pw = '';
    for (let i = 0; i < length; i++) pw += all[randomInt(all.length)];
    if (isSecureSipPassword(pw)) return pw;
  }
}

// The process's key. The API server and the directory need it without threading it through every resource
// declaration; the composition root (`switchyard start`, test suites) sets it once from the platform secrets.
let processKey: SipSecretKey | null = null;

/** Sets (or with null clears) the key used by `sipSecretKey()` in this process. */
export function configureSipSecretKey(encryptionKey: string | null): void {
  processKey = encryptionKey === null ? null : deriveSipSecretKey(encryptionKey);
}

/** The process's SIP-secret key. Throws when none was configured: writing a SIP password without it is a bug. */
export function sipSecretKey(): SipSecretKey {
  if (!processKey) throw new Error('SIP secret key not configured: call configureSipSecretKey(encryptionKey) at start-up');
  return processKey;
}
