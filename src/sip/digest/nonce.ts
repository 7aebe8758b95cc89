// Stateless nonces (RFC 7616 §3.3 "nonce": time-stamp + H(time-stamp ":" ETag ":" secret) suggestion).
// Layout (base64url): 8 bytes issue time (ms, big-endian) | 8 random bytes | 16 bytes HMAC-SHA256(secret, time|rand|realm).
// Any node holding the secret can check a nonce without shared state; expiry comes from the embedded time.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { pooledRandomInto } from '../random.ts';

const RAW_LEN = 32;

export function issueNonce(secret: Buffer, realm: string, nowMs: number): string {
  const head = Buffer.alloc(16);
  head.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(nowMs))), 0);
  pooledRandomInto(head, 8, 8); // the shared pool: one OpenSSL call per 512 nonces, not one each
  return Buffer.concat([head, mac(secret, head, realm)]).toString('base64url');
}

export type NonceCheck = { ok: true; issuedAt: number; expired: boolean } | { ok: false };

export function checkNonce(secret: Buffer, realm: string, nonce: string, nowMs: number, ttlMs: number): NonceCheck {
  if (nonce.length !== 43 || !/^[A-Za-z0-9_-]+$/.test(nonce)) return { ok: false };
  const raw = Buffer.from(nonce, 'base64url');
  if (raw.length !== RAW_LEN) return { ok: false };
  const head = raw.subarray(0, 16);
  if (!timingSafeEqual(raw.subarray(16), mac(secret, head, realm))) return { ok: false };
  const issuedAt = Number(head.readBigUInt64BE(0));
  // A nonce from the future (clock skew between nodes beyond 5 s) is treated as expired too.
  const expired = nowMs - issuedAt > ttlMs || issuedAt - nowMs > 5_000;
  return { ok: true, issuedAt, expired };
}

function mac(secret: Buffer, head: Buffer, realm: string): Buffer {
  return createHmac('sha256', secret).update(head).update(realm).digest().subarray(0, 16);
}
