// The B-leg INVITE of an internal call, per the calls contract: Request-URI = the callee's terminal at its client
// domain, sent to an edge, with X-Sy-Target / X-Sy-Client / X-Sy-Reject / X-Sy-Multi-Contact; the caller is
// presented by its user's display name and screen extension (From and P-Asserted-Identity, RFC 3325).
import { createRequest, formatUri, type SipRequest, type SipUri } from '../sip/message.ts';
import { targetHeaders } from './headers.ts';
import type { InternalRoute } from './routing.ts';

export const ALLOW = 'INVITE, ACK, CANCEL, BYE, INFO, UPDATE, OPTIONS';

/**
 * `"Alice" <sip:101@domain>`. Quotes, backslashes and control characters (CR, LF, TAB…) in the name are dropped:
 * RFC 3261 §25.1 quoted-string, and a name typed in a portal must never break the header line.
 */
export function nameAddr(display: string | null, user: string, domain: string): string {
  const uri = formatUri({ scheme: 'sip', user, host: domain, params: new Map(), headers: new Map() });
  const name = display?.replace(/["\\\u0000-\u001f\u007f]/g, '').trim();
  return name ? `"${name}" <${uri}>` : `<${uri}>`;
}

export function buildBLegInvite(o: {
  route: InternalRoute;
  callId: string;
  fromTag: string;
  contact: string;
  /** Max-Forwards of the A leg (RFC 3261 §16.6 step 3: decremented across the B2BUA too, loops stay bounded) */
  maxForwards: number;
  sdp: string;
  /** Further headers (session timers). */
  headers?: Array<[string, string]>;
  /** CSeq number (default 1; a retry after 422 takes the next one, RFC 4028 §7.4 / RFC 3261 §8.1.3.5) */
  cseq?: number;
}): SipRequest {
  const { caller, callee, extension } = o.route;
  const domain = callee.terminal.domain;
  const ruri: SipUri = { scheme: 'sip', user: callee.terminal.name, host: domain, params: new Map(), headers: new Map() };
  const identity = nameAddr(caller.displayName, caller.number, domain);
  return createRequest({
    method: 'INVITE',
    uri: ruri,
    headers: [
      ['Max-Forwards', String(Math.min(70, o.maxForwards - 1))],
      ['From', `${identity};tag=${o.fromTag}`],
      ['To', `<sip:${extension}@${domain}>`],
      ['Call-ID', o.callId],
      ['CSeq', `${o.cseq ?? 1} INVITE`],
      ['Contact', o.contact],
      ['P-Asserted-Identity', identity],
      ['Allow', ALLOW],
      ...targetHeaders({
        terminalId: callee.terminal.id,
        clientId: callee.terminal.client.id,
        reject: callee.user.rejectMethod,
        multiContact: callee.user.multiContact,
      }),
      ...(o.headers ?? []),
      ['Content-Type', 'application/sdp'],
    ],
    body: o.sdp,
  });
}
