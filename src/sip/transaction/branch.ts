// Branch parameters (RFC 3261 §8.1.1.7): unique per transaction, starting with the magic cookie z9hG4bK.
// Randomness comes from the shared pool in ../random.ts.
import { pooledRandom } from '../random.ts';

export const MAGIC_COOKIE = 'z9hG4bK';

const BRANCH_BYTES = 10; // 80 bits: base64url gives 14 characters

export function newBranch(): string {
  return MAGIC_COOKIE + pooledRandom(BRANCH_BYTES);
}

/** RFC 3261 §17.2.3: only a branch with the magic cookie identifies the transaction on its own. */
export function hasMagicCookie(branch: string | undefined): branch is string {
  return branch !== undefined && branch.startsWith(MAGIC_COOKIE);
}
