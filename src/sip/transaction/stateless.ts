// Stateless forwarding (RFC 3261 §16.11 stateless proxy, §18.2.2 response routing).
import { createHash } from 'node:crypto';
import type { SipRequest, SipResponse } from '../message.ts';
import { MAGIC_COOKIE, hasMagicCookie } from './branch.ts';
import { defaultPort } from './response-target.ts';
import type { SendTarget, TransportName } from './types.ts';
import { formatOwnVia } from './via.ts';

/**
 * RFC 3261 §16.11: a stateless proxy's branch must be the same for retransmissions of a request, and
 * the CANCEL must get the branch its INVITE got: hash the incoming top-Via branch (with cookie) or, without a
 * cookie, the §17.2.3 fields — never the method.
 */
export function statelessBranch(req: SipRequest): string {
  const via = req.topVia;
  const basis = hasMagicCookie(via.branch)
    ? `${via.branch}|${via.host}|${via.port ?? ''}`
    : [req.uriText, req.from.params.get('tag') ?? '', req.to.params.get('tag') ?? '', req.callId, req.cseq.seq, req.headers.getAll('via')[0] ?? ''].join('|');
  return `${MAGIC_COOKIE}sl${createHash('sha256').update(basis).digest('base64url').slice(0, 22)}`;
}

export type ForwardRequestResult = { ok: true; request: SipRequest } | { ok: false; code: 'SIP_ERR_TOO_MANY_HOPS'; status: 483; reason: string };

/** Copy, decrement Max-Forwards (§16.6 step 3; 483 when it would go below 0), and push our Via (§16.6 step 8). */
export function forwardRequestStateless(
  req: SipRequest,
  via: { transport: TransportName; host: string; port: number },
): ForwardRequestResult {
  const mf = req.maxForwards ?? 70;
  if (mf <= 0) return { ok: false, code: 'SIP_ERR_TOO_MANY_HOPS', status: 483, reason: 'Too Many Hops' };
  const out = req.clone();
  out.headers.set('Max-Forwards', String(mf - 1));
  // ACK for 2xx and CANCEL keep the branch rules above: ACK gets the same hash as its INVITE would only when
  // the UAC reused the branch (RFC 2543); RFC 3261 UACs give the ACK its own branch, so its hash differs.
  out.headers.prepend('Via', formatOwnVia(via.transport, via.host, via.port, statelessBranch(req), false));
  return { ok: true, request: out };
}

/**
 * §16.7 step 3 / §18.2.2: drop our Via and send the response to the next Via: received/rport (RFC 3581 §4)
 * when present, else maddr, else sent-by. Undefined when no Via is left (the response was for us).
 */
export function forwardResponseStateless(res: SipResponse): { response: SipResponse; target: SendTarget } | undefined {
  const out = res.clone();
  out.headers.removeFirst('via');
  if (!out.headers.has('via')) return undefined;
  const next = out.topVia;
  const transport = next.transport.toUpperCase() as TransportName;
  const received = next.params.get('received');
  const rport = next.params.get('rport');
  const maddr = next.params.get('maddr');
  const host = received ?? maddr ?? next.host;
  const port = rport ? Number(rport) : (next.port ?? defaultPort(transport));
  return { response: out, target: { transport, host, port } };
}
