// Random hex for tags, Call-IDs and session ids the B2BUA makes per call (RFC 3261 §19.3: tags need at least 32
// random bits; Call-IDs must be unique). One crypto.randomBytes call each cost ~6 µs (5 per call); one 4 KB
// fill of a pool serves hundreds of ids. The bytes are the same cryptographic randomness, handed out once each.
import { randomFillSync } from 'node:crypto';

const POOL = Buffer.allocUnsafe(4096);
let used = POOL.length;

/** `bytes` random bytes (at most 4096) as lowercase hex. */
export function randomHex(bytes: number): string {
  if (used + bytes > POOL.length) {
    randomFillSync(POOL);
    used = 0;
  }
  const s = POOL.toString('hex', used, used + bytes);
  used += bytes;
  return s;
}
