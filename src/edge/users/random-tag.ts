// Random To-tags for the edge's own responses (RFC 3261 §19.3: at least 32 bits of randomness). crypto.randomBytes
// per response cost ~10 µs of a REGISTER's budget (an OpenSSL call each time); one 4 KB fill serves ~680 tags.
import { randomFillSync } from 'node:crypto';

const POOL = Buffer.allocUnsafe(4096);
let used = POOL.length;

/** `bytes` random bytes as lowercase hex (default 6: 48 bits). */
export function randomTag(bytes = 6): string {
  if (used + bytes > POOL.length) {
    randomFillSync(POOL);
    used = 0;
  }
  const s = POOL.toString('hex', used, used + bytes);
  used += bytes;
  return s;
}
