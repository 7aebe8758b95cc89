// Start-line parsing for the message parser: Request-Line and Status-Line (RFC 3261 §7.1, §7.2) and
// the Request-URI checks (RFC 3261 §8.2.2.1, §19.1.1), on index ranges of the decoded head.
import { SipParseError } from '../errors.ts';
import { scanUri, URI_HAS_HEADERS } from '../uri.ts';
import { parseUint } from './cseq.ts';
import { TOKEN } from './scan.ts';

const DEFAULT_SCHEMES: readonly string[] = ['sip', 'sips', 'tel', 'urn'];

// The usual methods by length, so their names are shared constants rather than new strings.
const METHODS_BY_LEN: string[][] = [];
for (const m of ['INVITE', 'ACK', 'BYE', 'CANCEL', 'REGISTER', 'OPTIONS', 'INFO', 'UPDATE', 'PRACK', 'SUBSCRIBE',
  'NOTIFY', 'REFER', 'MESSAGE', 'PUBLISH']) {
  while (METHODS_BY_LEN.length <= m.length) METHODS_BY_LEN.push([]);
  (METHODS_BY_LEN[m.length] as string[]).push(m);
}

function isTokenRange(s: string, from: number, to: number): boolean {
  if (to <= from) return false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || TOKEN[c] !== 1) return false;
  }
  return true;
}

/** s[from..to) as a string, the shared constant for the usual methods. */
export function methodName(s: string, from: number, to: number): string {
  const n = to - from;
  const candidates = METHODS_BY_LEN[n];
  if (candidates === undefined) return s.slice(from, to);
  for (const m of candidates) {
    let k = 0;
    while (k < n && s.charCodeAt(from + k) === m.charCodeAt(k)) k++;
    if (k === n) return m;
  }
  return s.slice(from, to);
}

/** Status-Line in head[0..end); returns the index of the SP after the status code (or end). */
export function parseStatusLine(head: string, end: number): number {
  // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase (RFC 3261 §7.2)
  let sp1 = head.indexOf(' ');
  if (sp1 >= end) sp1 = -1;
  if (sp1 < 0) throw new SipParseError('SIP_ERR_BAD_STATUS_LINE', 'no status code');
  if (!isVersion20(head, 0, sp1)) throw new SipParseError('SIP_ERR_BAD_VERSION', head.slice(0, sp1));
  let sp2 = head.indexOf(' ', sp1 + 1);
  if (sp2 < 0 || sp2 >= end) sp2 = end; // RFC 4475 §3.1.1.13 noreason: tolerate a missing SP too
  const status = parseUint(head.slice(sp1 + 1, sp2), 699);
  if (sp2 - sp1 !== 4 || status < 100) throw new SipParseError('SIP_ERR_BAD_STATUS_CODE', head.slice(sp1 + 1, Math.min(sp2, sp1 + 16)));
  return sp2;
}

/** 'SIP/2.0' in any case in s[a..b). */
function isVersion20(s: string, a: number, b: number): boolean {
  return b - a === 7 && (s.charCodeAt(a) | 0x20) === 115 && (s.charCodeAt(a + 1) | 0x20) === 105 &&
    (s.charCodeAt(a + 2) | 0x20) === 112 && s.charCodeAt(a + 3) === 47 && s.charCodeAt(a + 4) === 50 &&
    s.charCodeAt(a + 5) === 46 && s.charCodeAt(a + 6) === 48;
}

/** 'SIP/2.0' exactly at s[a]. */
export function isVersion20Exact(s: string, a: number): boolean {
  return s.charCodeAt(a) === 83 && s.charCodeAt(a + 1) === 73 && s.charCodeAt(a + 2) === 80 && s.charCodeAt(a + 3) === 47 &&
    s.charCodeAt(a + 4) === 50 && s.charCodeAt(a + 5) === 46 && s.charCodeAt(a + 6) === 48;
}

/** Request-Line in head[0..end) with its first SP at sp1; returns the index of the second SP. */
export function parseRequestLine(head: string, sp1: number, end: number): number {
  // Request-Line = Method SP Request-URI SP SIP-Version (RFC 3261 §7.1): exactly single SPs
  // (RFC 4475 §3.1.2.9 lwsstart, §3.1.2.10 trws, §3.1.2.8 lwsruri).
  if (sp1 <= 0 || sp1 >= end) throw new SipParseError('SIP_ERR_BAD_START_LINE', 'no Request-URI', { status: 0 });
  if (!isTokenRange(head, 0, sp1)) throw new SipParseError('SIP_ERR_BAD_METHOD', undefined, { status: 0 });
  const sp2 = head.indexOf(' ', sp1 + 1);
  if (sp2 < 0 || sp2 >= end) throw new SipParseError('SIP_ERR_BAD_START_LINE', 'no SIP-Version');
  if (sp2 === sp1 + 1) throw new SipParseError('SIP_ERR_BAD_START_LINE', 'extra SP before Request-URI');
  const vs = sp2 + 1;
  const sp3 = head.indexOf(' ', vs);
  const tab = head.indexOf('\t', vs);
  if ((sp3 >= 0 && sp3 < end) || (tab >= 0 && tab < end)) {
    // either LWS inside the Request-URI or trailing SP after the version
    throw new SipParseError('SIP_ERR_BAD_START_LINE', 'extra SP in Request-Line');
  }
  if (!isVersion20(head, vs, end)) {
    if (/^SIP\/\d+\.\d+$/.test(head.slice(vs, end).toUpperCase())) throw new SipParseError('SIP_ERR_BAD_VERSION', head.slice(vs, end));
    throw new SipParseError('SIP_ERR_BAD_START_LINE', 'bad SIP-Version');
  }
  return sp2;
}

/** Request-URI checks (RFC 3261 §8.2.2.1, §19.1.1); the SipUri itself is built when first read. */
export function checkRequestUri(s: string, a: number, b: number, allowed: readonly string[] | undefined): void {
  if (s.charCodeAt(a) === 60) throw new SipParseError('SIP_ERR_BAD_REQUEST_URI', 'Request-URI enclosed in <>');
  let flags: number;
  try {
    flags = scanUri(s, a, b, null);
  } catch (e) {
    if (e instanceof SipParseError) throw new SipParseError('SIP_ERR_BAD_REQUEST_URI', e.message);
    throw e;
  }
  const colon = s.indexOf(':', a);
  const schemes = allowed ?? DEFAULT_SCHEMES;
  let known = false;
  for (const sch of schemes) {
    if (sch.length !== colon - a) continue;
    let k = 0;
    while (k < sch.length && (s.charCodeAt(a + k) | 0x20) === sch.charCodeAt(k)) k++;
    if (k === sch.length) {
      known = true;
      break;
    }
  }
  if (!known) throw new SipParseError('SIP_ERR_UNSUPPORTED_URI_SCHEME', s.slice(a, colon).toLowerCase());
  // RFC 3261 §19.1.1 table: headers are not allowed in a Request-URI (RFC 4475 §3.1.2.11 escruri)
  if ((flags & URI_HAS_HEADERS) !== 0) throw new SipParseError('SIP_ERR_BAD_REQUEST_URI', 'headers in Request-URI');
}
