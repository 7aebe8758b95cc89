// Call rejection method of multi-contact users (seed-part2 §1.1 "Call Rejection Method", §4 ambiguity 14).
// When one of several ringing devices of a user rejects a call, either every other device stops ringing
// ("reject all") or only the rejecting one does ("reject current"). Enum names are ours:
//   default        — cancel all devices on 600/603 (RFC 3261 §21.6: global failures), only the rejecting
//                    device on 480/486 and any other response;
//   reject-all     — any rejection cancels every device;
//   reject-current — a rejection only ends the rejecting device's branch, the others keep ringing.

export const CALL_REJECTION_METHODS = ['default', 'reject-all', 'reject-current'] as const;
export type CallRejectionMethod = (typeof CALL_REJECTION_METHODS)[number];

export type RejectionScope = 'all' | 'current';

/** Which ringing devices a final non-2xx `status` from one device ends, for a user with `method`. */
export function rejectionScope(method: CallRejectionMethod, status: number): RejectionScope {
  switch (method) {
    case 'reject-all':
      return 'all';
    case 'reject-current':
      return 'current';
    case 'default':
      // RFC 3261 §16.7 step 5: a 6xx ends forking; the docs name 600 and 603 explicitly.
      return status === 600 || status === 603 ? 'all' : 'current';
  }
}
