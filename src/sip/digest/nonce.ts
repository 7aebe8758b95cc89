// Stateless nonces (RFC 7616 §3.3 "nonce": time-stamp + H(time-stamp ":" ETag ":" secret) suggestion).
// Layout (base64url): 8 bytes issue time (ms, big-endian) | 8 random bytes | 16 bytes HMAC-MD5(secret, time|rand|realm).
// Any node holding the secret can check a nonce without shared state; expiry comes from the embedded time.
//
// The MAC only proves that a node of this cluster issued the nonce, for this realm, at that time: a client's answer
// hashes the whole nonce with its password, so a forged nonce gains nothing without the password, and replays are
// caught by nc (server.ts). HMAC-MD5 (RFC 2104, no practical forgery: RFC 6151 §2.3) in JavaScript costs well under a
// microsecond where node:crypto's HMAC-SHA256 cost 3–4 µs per nonce issued or checked (md5.ts). Nonces issued by a
// build that used HMAC-SHA256 fail the check once: the phone gets a fresh 401 and answers it.
import { HmacMd5 } from './md5.ts';
import { pooledRandomInto } from '../random.ts';

const RAW_LEN = 32;
const B64_LEN = 43; // base64url of 32 bytes, unpadded
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** The nonce MAC for one secret (its HMAC key blocks hashed once). */
export class NonceKey {
  readonly #hmac: HmacMd5;
  readonly #raw = Buffer.alloc(RAW_LEN);
  readonly #check = Buffer.alloc(16);

  constructor(secret: Uint8Array) {
    this.#hmac = new HmacMd5(secret);
  }

  issue(realm: string, nowMs: number): string {
    const raw = this.#raw;
    const t = Math.max(0, Math.floor(nowMs));
    raw.writeUInt32BE(Math.floor(t / 0x100000000), 0);
    raw.writeUInt32BE(t >>> 0, 4);
    pooledRandomInto(raw, 8, 8); // the shared pool: one OpenSSL call per 512 nonces, not one each
    this.#hmac.macInto(raw.subarray(0, 16), realm, raw, 16);
    return raw.toString('base64url');
  }

  check(realm: string, nonce: string, nowMs: number, ttlMs: number): NonceCheck {
    if (nonce.length !== B64_LEN || !/^[A-Za-z0-9_-]+$/.test(nonce)) return { ok: false };
    // 43 characters carry 258 bits for 256: only the spelling we issue (the last 2 bits zero) is ours, so one nonce
    // has one string (the nc replay table is keyed by it)
    if ((B64URL.indexOf(nonce[B64_LEN - 1]!) & 3) !== 0) return { ok: false };
    const raw = this.#raw;
    if (raw.write(nonce, 0, 'base64url') !== RAW_LEN) return { ok: false };
    const mac = this.#check;
    this.#hmac.macInto(raw.subarray(0, 16), realm, mac, 0);
    let d = 0; // constant time over the 16 bytes
    for (let i = 0; i < 16; i++) d |= mac[i]! ^ raw[16 + i]!;
    if (d !== 0) return { ok: false };
    const issuedAt = raw.readUInt32BE(0) * 0x100000000 + raw.readUInt32BE(4);
    // A nonce from the future (clock skew between nodes beyond 5 s) is treated as expired too.
    const expired = nowMs - issuedAt > ttlMs || issuedAt - nowMs > 5_000;
    return { ok: true, issuedAt, expired };
  }
}

export type NonceCheck = { ok: true; issuedAt: number; expired: boolean } | { ok: false };
