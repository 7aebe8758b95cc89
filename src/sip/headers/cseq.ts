// CSeq, Content-Length, Max-Forwards and other scalar headers. RFC 3261 §8.1.1.5 (CSeq < 2**32 as
// an unsigned 32-bit integer), §20.14, §20.22, RFC 4475 §3.1.2.4 (overlarge scalars are errors).
import { SipParseError, type SipErrorCode } from '../errors.ts';
import { isToken, skipWs } from './scan.ts';

export interface CSeq {
  seq: number;
  method: string;
}

/** 1*DIGIT with an upper bound; returns -1 when not all digits or above max. */
export function parseUint(s: string, max: number): number {
  if (s.length === 0 || s.length > 10) return -1;
  let v = 0;
  for (let i = 0; i < s.length; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v > max ? -1 : v;
}

export function parseCSeq(s: string): CSeq {
  const i = skipWs(s, 0);
  let e = i;
  while (e < s.length && s.charCodeAt(e) >= 48 && s.charCodeAt(e) <= 57) e++;
  const seq = parseUint(s.slice(i, e), 0xffffffff);
  if (seq < 0) throw new SipParseError('SIP_ERR_BAD_CSEQ', 'sequence number missing or out of range');
  const ms = skipWs(s, e);
  if (ms === e) throw new SipParseError('SIP_ERR_BAD_CSEQ', 'missing LWS before method');
  const method = s.slice(ms).trimEnd();
  if (!isToken(method)) throw new SipParseError('SIP_ERR_BAD_CSEQ', 'bad method');
  return { seq, method };
}

export function parseScalar(s: string, max: number, code: SipErrorCode): number {
  const v = parseUint(s.trim(), max);
  if (v < 0) throw new SipParseError(code, JSON.stringify(s.slice(0, 32)));
  return v;
}
