// RFC 3261 §9.1: building a CANCEL for a pending INVITE client transaction.
import { createRequest, type SipRequest } from '../message.ts';

export function buildCancel(invite: SipRequest, extraHeaders: Array<[string, string]> = []): SipRequest {
  const headers: Array<[string, string]> = [];
  // Single Via equal to the INVITE's top Via: same branch, so the next hop matches it to the INVITE (§9.2).
  headers.push(['Via', invite.headers.getAll('via')[0]!]);
  headers.push(['Max-Forwards', '70']);
  for (const r of invite.headers.getAll('route')) headers.push(['Route', r]);
  headers.push(['From', invite.headers.get('from')!]);
  headers.push(['To', invite.headers.get('to')!]);
  headers.push(['Call-ID', invite.callId]);
  headers.push(['CSeq', `${invite.cseq.seq} CANCEL`]);
  headers.push(...extraHeaders);
  return createRequest({ method: 'CANCEL', uri: invite.uri, headers });
}
