// Branch parameters (RFC 3261 §8.1.1.7): unique per transaction, starting with the magic cookie z9hG4bK.
import { randomBytes } from 'node:crypto';

export const MAGIC_COOKIE = 'z9hG4bK';

export function newBranch(): string {
  return MAGIC_COOKIE + randomBytes(10).toString('base64url');
}

/** RFC 3261 §17.2.3: only a branch with the magic cookie identifies the transaction on its own. */
export function hasMagicCookie(branch: string | undefined): branch is string {
  return branch !== undefined && branch.startsWith(MAGIC_COOKIE);
}
