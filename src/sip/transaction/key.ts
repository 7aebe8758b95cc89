// Transaction matching keys (RFC 3261 §17.1.3 client, §17.2.3 server, with the RFC 2543 fallback).
import type { SipRequest, SipResponse, Via } from '../message.ts';
import { formatUri } from '../uri.ts';
import { hasMagicCookie } from './branch.ts';

/** RFC 3261 §17.2.3: sent-by of the top Via (host case-insensitive; absent port kept absent). */
export function sentBy(via: Via): string {
  return `${via.host.toLowerCase()}:${via.port ?? ''}`;
}

/**
 * Server transaction key. With the magic cookie: branch + sent-by + method, where ACK matches its INVITE
 * (RFC 3261 §17.2.3). `method` overrides the request's method (CANCEL looks up its INVITE, §9.2).
 * Without the cookie (RFC 2543 peer, §17.2.3 second half): Request-URI, From tag, Call-ID, CSeq number and the
 * top Via. The To tag is left out so ACK and CANCEL find the INVITE; the layer compares an ACK's To tag with
 * the tag of the response it acknowledges.
 */
export function serverKey(req: SipRequest, method?: string): string {
  const m = method ?? (req.method === 'ACK' ? 'INVITE' : req.method);
  const via = req.topVia;
  if (hasMagicCookie(via.branch)) return `${via.branch}|${sentBy(via)}|${m}`;
  const fromTag = req.from.params.get('tag') ?? '';
  const topVia = (req.headers.getAll('via')[0] ?? '').replace(/\s+/g, '');
  return `2543|${formatUri(req.uri)}|${fromTag}|${req.callId}|${req.cseq.seq}|${topVia}|${m}`;
}

/** RFC 3261 §17.1.3: a response matches a client transaction by top-Via branch and CSeq method. */
export function clientKey(branch: string, method: string): string {
  return `${branch}|${method}`;
}

export function clientKeyOfResponse(res: SipResponse): string | undefined {
  const branch = res.topVia.branch;
  if (branch === undefined) return undefined;
  return clientKey(branch, res.cseq.method);
}

export function toTag(m: SipRequest | SipResponse): string | undefined {
  return m.to.params.get('tag') ?? undefined;
}
