// Pooled randomness for the identifiers made per message or per call: branches (RFC 3261 §8.1.1.7), tags
// (§19.3: at least 32 random bits), Call-IDs and session ids. One crypto.randomBytes call costs ~6–10 µs (an
// OpenSSL call each time) and was a visible share of a proxy's and a REGISTER's CPU; one 4 KB fill of a shared
// pool serves hundreds of identifiers. The bytes are the same CSPRNG output, each handed out once.
import { randomFillSync } from 'node:crypto';

const POOL = Buffer.allocUnsafe(4096);
let used = POOL.length; // empty: filled on first use

/** Start of `bytes` unused pool bytes (refilled when too few are left). */
function take(bytes: number): number {
  if (used + bytes > POOL.length) {
    randomFillSync(POOL);
    used = 0;
  }
  const at = used;
  used += bytes;
  return at;
}

/** `bytes` fresh random bytes (at most 4096) in `encoding`. */
export function pooledRandom(bytes: number, encoding: 'base64url' | 'hex' = 'base64url'): string {
  const at = take(bytes);
  return POOL.toString(encoding, at, at + bytes);
}

/** Copies `bytes` fresh random bytes (at most 4096) into `target` at `offset` (digest nonces). */
export function pooledRandomInto(target: Buffer, offset: number, bytes: number): void {
  const at = take(bytes);
  POOL.copy(target, offset, at, at + bytes);
}

/** `bytes` fresh random bytes as lowercase hex (tags, Call-IDs, session ids). */
export function randomHex(bytes: number): string {
  return pooledRandom(bytes, 'hex');
}
