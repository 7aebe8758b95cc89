// Message builders shared by the transaction, dialog and UA unit tests.
import { createRequest, createResponse, type SipRequest, type SipResponse } from '../message.ts';

export interface RequestOpts {
  method?: string;
  branch?: string | null; // null: no branch param (RFC 2543 peer)
  transport?: string;
  sentBy?: string;
  uri?: string;
  fromTag?: string;
  toTag?: string;
  callId?: string;
  cseq?: number;
  route?: string[];
  extra?: Array<[string, string]>;
}

export function request(o: RequestOpts = {}): SipRequest {
  const method = o.method ?? 'INVITE';
  const branch = o.branch === null ? '' : `;branch=${o.branch ?? 'z9hG4bKtest1'}`;
  const headers: Array<[string, string]> = [
    ['Via', `SIP/2.0/${o.transport ?? 'UDP'} ${o.sentBy ?? '192.0.2.10:5060'}${branch}`],
    ['Max-Forwards', '70'],
    ...(o.route ?? []).map((r): [string, string] => ['Route', r]),
    ['From', `"Alice" <sip:alice@example.com>;tag=${o.fromTag ?? 'ftag1'}`],
    ['To', `<sip:bob@example.com>${o.toTag ? `;tag=${o.toTag}` : ''}`],
    ['Call-ID', o.callId ?? 'call-1@192.0.2.10'],
    ['CSeq', `${o.cseq ?? 1} ${method === 'ACK' || method === 'CANCEL' ? method : method}`],
    ['Contact', '<sip:alice@192.0.2.10:5060>'],
    ...(o.extra ?? []),
  ];
  return createRequest({ method, uri: o.uri ?? 'sip:bob@example.com', headers });
}

export function response(req: SipRequest, status: number, toTag?: string): SipResponse {
  return createResponse(req, status, undefined, toTag !== undefined ? { toTag } : undefined);
}

/** A copy of the request as a peer would retransmit it (fresh object, same bytes). */
export function again<T extends SipRequest | SipResponse>(m: T): T {
  return m.clone() as T;
}
