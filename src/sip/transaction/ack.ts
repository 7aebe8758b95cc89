// RFC 3261 §17.1.1.3: the ACK a client INVITE transaction builds for a 300-699 response.
import { createRequest, type SipRequest, type SipResponse } from '../message.ts';

export function buildAckForNon2xx(invite: SipRequest, res: SipResponse): SipRequest {
  const headers: Array<[string, string]> = [];
  // Same single Via as the INVITE (same branch: the ACK belongs to the INVITE transaction).
  headers.push(['Via', invite.headers.getAll('via')[0]!]);
  headers.push(['Max-Forwards', '70']);
  // Route header fields of the original request are copied (the ACK follows the same path).
  for (const r of invite.headers.getAll('route')) headers.push(['Route', r]);
  headers.push(['From', invite.headers.get('from')!]);
  // To = To of the response being acknowledged (it carries the UAS's tag).
  headers.push(['To', res.headers.get('to')!]);
  headers.push(['Call-ID', invite.callId]);
  headers.push(['CSeq', `${invite.cseq.seq} ACK`]);
  return createRequest({ method: 'ACK', uri: invite.uri, headers });
}
