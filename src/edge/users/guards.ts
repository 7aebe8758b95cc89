// Hooks for the users edge's security guards (seed-part2 §2.26: antiflood "PIKE", anti brute-force). Not
// implemented yet; the edge calls these at the points the spec counts, so the guards can plug in without
// touching the proxy. The default admits everything and counts nothing.
import type { MessageSource } from '../../sip/transaction/types.ts';

export type GuardEvent =
  /** step 0 failures: the request used no known SIP domain (antiflood counts these) */
  | { kind: 'unknown-domain'; domain: string }
  /** wrong password or unknown user after a challenge (antiflood and brute-force count these) */
  | { kind: 'auth-failed'; username: string; domain: string }
  /** an authenticated initial INVITE (antiflood counts new calls) */
  | { kind: 'initial-invite'; domain: string };

export interface EdgeGuards {
  /** false: drop the request silently (a banned source). Called for every request from a phone. */
  admit(source: MessageSource): boolean;
  record(source: MessageSource, e: GuardEvent): void;
}

export const NO_GUARDS: EdgeGuards = {
  admit: () => true,
  record: () => {},
};
