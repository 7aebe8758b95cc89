// Branch parameters (RFC 3261 §8.1.1.7): unique per transaction, starting with the magic cookie z9hG4bK.
// Randomness comes from one pooled randomBytes(4096) refilled when used up: one CSPRNG call per ~400
// branches instead of one per branch (it was a visible share of a forwarding proxy's CPU).
import { randomFillSync } from 'node:crypto';

export const MAGIC_COOKIE = 'z9hG4bK';

const BRANCH_BYTES = 10; // 80 bits: base64url gives 14 characters
const POOL = Buffer.allocUnsafe(4096 - (4096 % BRANCH_BYTES));
let poolAt = POOL.length; // empty: filled on first use

/** Fresh random bytes for one identifier, as base64url (bytes ≤ 64). */
export function pooledRandom(bytes: number): string {
  if (poolAt + bytes > POOL.length) {
    randomFillSync(POOL);
    poolAt = 0;
  }
  const s = POOL.toString('base64url', poolAt, poolAt + bytes);
  poolAt += bytes;
  return s;
}

export function newBranch(): string {
  return MAGIC_COOKIE + pooledRandom(BRANCH_BYTES);
}

/** RFC 3261 §17.2.3: only a branch with the magic cookie identifies the transaction on its own. */
export function hasMagicCookie(branch: string | undefined): branch is string {
  return branch !== undefined && branch.startsWith(MAGIC_COOKIE);
}
