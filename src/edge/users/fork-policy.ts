// Decisions of the parallel fork (RFC 3261 §16.7) as plain functions: what a final response of one branch does to
// the others under the callee user's Call Rejection Method (seed-part2 §1.1, calls contract "Fork policy"), and
// which response goes upstream when every branch failed.
import { rejectionScope, type CallRejectionMethod } from '../../domain/vpbx/call-rejection.ts';

export type BranchOutcome =
  /** first 2xx: forward it, CANCEL every other branch */
  | 'answer'
  /** this rejection ends the whole fork: CANCEL the others, forward this response */
  | 'end-fork'
  /** only this branch is over; the fork waits for the others */
  | 'end-branch';

/**
 * `local` marks responses the edge made up for a branch (Timer B/C timeout 408, transport error 503): those say
 * nothing about the user's choice and only ever end their own branch.
 */
export function branchOutcome(method: CallRejectionMethod, status: number, local = false): BranchOutcome {
  if (status >= 200 && status < 300) return 'answer';
  if (local || status < 400) return 'end-branch';
  return rejectionScope(method, status) === 'all' ? 'end-fork' : 'end-branch';
}

/** Responses that say little about the callee (no answer, unreachable): any other one of the same class wins. */
const WEAK = new Set([408, 480, 487, 500, 503, 504]);

/**
 * RFC 3261 §16.7 step 6: the best of the branches' final responses: a 6xx if any, else the lowest class; within a
 * class the first informative one (486 over a 480 of a device that did not answer). `reject-current` treats 6xx
 * like 486 (calls contract), so it competes as a 4xx.
 */
export function bestResponse<T extends { status: number }>(finals: readonly T[], method: CallRejectionMethod = 'default'): T | undefined {
  const cls = (r: T) => {
    const c = Math.floor(r.status / 100);
    if (c === 6) return method === 'reject-current' ? 4 : 0;
    return c;
  };
  let best: T | undefined;
  for (const r of finals) {
    if (r.status < 300) continue;
    if (!best) {
      best = r;
      continue;
    }
    const a = cls(r);
    const b = cls(best);
    if (a < b || (a === b && WEAK.has(best.status) && !WEAK.has(r.status))) best = r;
  }
  return best;
}

/**
 * The status sent upstream for the chosen best response. §16.7 step 6: a 503 becomes 500 (the upstream must not
 * think *we* are overloaded). `reject-current`: a 6xx is reported as 486 (the device was busy for this call, the
 * user was not declining on every device: the app applies busy rules, not "declined").
 */
export function upstreamStatus(status: number, method: CallRejectionMethod = 'default'): { status: number; reason?: string } {
  if (status === 503) return { status: 500, reason: 'Server Internal Error' };
  if (method === 'reject-current' && status >= 600) return { status: 486, reason: 'Busy Here' };
  return { status };
}
