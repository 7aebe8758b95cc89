// Datagram/complete-message parser. One pass over the head to find line boundaries and name colons
// (native indexOf over a one-byte string, slices not copies); header values stay raw strings and are
// parsed lazily, except those needed to route and frame (Via, CSeq, Call-ID, From, To, Max-Forwards,
// Content-Length, Contact, Date), which are validated here (RFC 4475 §3.1.2 says which faults to catch).
import { SipParseError } from './errors.ts';
import { parseUint } from './headers/cseq.ts';
import { headerKey } from './headers/names.ts';
import { TOKEN } from './headers/scan.ts';
import { SipHeaders } from './headers/sip-headers.ts';
import { SipRequest, SipResponse, type SipMessage } from './message.ts';
import { parseUri, type SipUri } from './uri.ts';

export interface ParserLimits {
  maxMessageBytes: number;
  maxHeaders: number;
  /** Longest header field (name + value after unfolding). */
  maxHeaderBytes: number;
  /** Request-URI schemes accepted; others get 416 (RFC 3261 §8.2.2.1). Default sip, sips, tel, urn. */
  allowedSchemes?: readonly string[];
}

export const DEFAULT_LIMITS: Readonly<ParserLimits> = Object.freeze({
  maxMessageBytes: 65535,
  maxHeaders: 256,
  maxHeaderBytes: 16384,
});
const DEFAULT_SCHEMES: readonly string[] = ['sip', 'sips', 'tel', 'urn'];
const CRLFCRLF = Buffer.from('\r\n\r\n');
const LFLF = Buffer.from('\n\n');
const DATE_RE = /^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/;

function isTokenRange(s: string, from: number, to: number): boolean {
  if (to <= from) return false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || TOKEN[c] !== 1) return false;
  }
  return true;
}

/** Parses one complete message (a UDP datagram or a frame cut by StreamFramer). Throws SipParseError. */
export function parseMessage(buf: Buffer, limits: ParserLimits = DEFAULT_LIMITS): SipMessage {
  const len = buf.length;
  if (len > limits.maxMessageBytes) throw new SipParseError('SIP_ERR_MESSAGE_TOO_LARGE', `${len} bytes`, { status: 0 });
  // RFC 3261 §7.5: ignore CRLFs before the start line
  let start = 0;
  while (start < len && (buf[start] === 13 || buf[start] === 10)) start++;
  if (start >= len) throw new SipParseError('SIP_ERR_UNREADABLE', 'empty message');

  let headEnd = buf.indexOf(CRLFCRLF, start);
  let bodyStart: number;
  if (headEnd >= 0) bodyStart = headEnd + 4;
  else {
    headEnd = buf.indexOf(LFLF, start); // bare-LF line ends (lenient)
    if (headEnd >= 0) bodyStart = headEnd + 2;
    else bodyStart = headEnd = len; // no empty line: header section only
  }
  const head = buf.toString('utf8', start, headEnd);
  const hl = head.length;

  let nl = head.indexOf('\n');
  if (nl < 0) nl = hl;
  const startLine = head.slice(0, nl > 0 && head.charCodeAt(nl - 1) === 13 ? nl - 1 : nl);
  const isResponse = startLine.length > 4 && startLine.slice(0, 4).toUpperCase() === 'SIP/';

  // Start line first: it decides whether a fault can be answered.
  let method = '';
  let uriStr = '';
  let status = 0;
  let reason = '';
  let startErr: SipParseError | undefined;
  try {
    if (isResponse) ({ status, reason } = parseStatusLine(startLine));
    else ({ method, uriStr } = parseRequestLine(startLine));
  } catch (e) {
    if (!(e instanceof SipParseError) || isResponse || e.status === 0) {
      if (e instanceof SipParseError) e.status = 0;
      throw e;
    }
    // The method is readable: read the header fields too so the fault can be answered.
    startErr = e;
    method = startLine.slice(0, startLine.indexOf(' '));
  }

  const names: string[] = [];
  const keys: string[] = [];
  const values: string[] = [];
  let p = nl + 1;
  let partial: SipParseError['partial'];
  try {
    while (p < hl) {
      let e = head.indexOf('\n', p);
      if (e < 0) e = hl;
      const next = e + 1;
      if (e > p && head.charCodeAt(e - 1) === 13) e--;
      if (e === p) {
        p = next;
        continue;
      }
      const c = head.charCodeAt(p);
      if (c === 32 || c === 9) {
        // RFC 3261 §7.3.1: LWS (CRLF + SP/HT) continues the previous field; unfold to one SP
        const last = values.length - 1;
        if (last < 0) throw new SipParseError('SIP_ERR_BAD_HEADER', 'continuation line before any header');
        const more = head.slice(p, e).trim();
        const v = values[last] as string;
        values[last] = more.length === 0 ? v : v.length === 0 ? more : `${v} ${more}`;
        if ((names[last] as string).length + (values[last] as string).length + 2 > limits.maxHeaderBytes) {
          throw new SipParseError('SIP_ERR_HEADER_TOO_LONG', names[last]);
        }
      } else {
        if (e - p > limits.maxHeaderBytes) throw new SipParseError('SIP_ERR_HEADER_TOO_LONG', head.slice(p, Math.min(e, p + 32)));
        const colon = head.indexOf(':', p);
        if (colon < 0 || colon > e) throw new SipParseError('SIP_ERR_BAD_HEADER', 'header line without colon');
        let ne = colon;
        while (ne > p && (head.charCodeAt(ne - 1) === 32 || head.charCodeAt(ne - 1) === 9)) ne--;
        if (!isTokenRange(head, p, ne)) throw new SipParseError('SIP_ERR_BAD_HEADER', 'bad header name');
        let vs = colon + 1;
        while (vs < e && (head.charCodeAt(vs) === 32 || head.charCodeAt(vs) === 9 || head.charCodeAt(vs) === 13)) vs++;
        let ve = e;
        while (ve > vs && (head.charCodeAt(ve - 1) === 32 || head.charCodeAt(ve - 1) === 9 || head.charCodeAt(ve - 1) === 13)) ve--;
        const name = head.slice(p, ne);
        names.push(name);
        keys.push(headerKey(name));
        values.push(head.slice(vs, ve));
        if (names.length > limits.maxHeaders) throw new SipParseError('SIP_ERR_TOO_MANY_HEADERS', `${names.length}`);
      }
      p = next;
    }
    const headers = SipHeaders.fromParsed(names, keys, values);
    if (!isResponse) partial = { method, headers };
    if (startErr) throw startErr;

    let msg: SipMessage;
    if (isResponse) msg = new SipResponse(status, reason, headers, EMPTY);
    else msg = new SipRequest(method, parseRequestUri(uriStr, limits), headers, EMPTY, uriStr);
    validate(msg, headers);
    msg.body = frameBody(buf, bodyStart, headers);
    return msg;
  } catch (e) {
    if (e instanceof SipParseError) {
      if (isResponse) e.status = 0; // RFC 4475 §3.1.2.5: a malformed response is dropped
      else if (partial === undefined || !partial.headers.has('via')) e.status = 0; // nowhere to answer
      else e.partial = partial;
    }
    throw e;
  }
}

const EMPTY = Buffer.alloc(0);

function parseStatusLine(line: string): { status: number; reason: string } {
  // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase (RFC 3261 §7.2)
  const sp1 = line.indexOf(' ');
  if (sp1 < 0) throw new SipParseError('SIP_ERR_BAD_STATUS_LINE', 'no status code');
  if (line.slice(0, sp1).toUpperCase() !== 'SIP/2.0') throw new SipParseError('SIP_ERR_BAD_VERSION', line.slice(0, sp1));
  let sp2 = line.indexOf(' ', sp1 + 1);
  if (sp2 < 0) sp2 = line.length; // RFC 4475 §3.1.1.13 noreason: tolerate a missing SP too
  const status = parseUint(line.slice(sp1 + 1, sp2), 699);
  if (sp2 - sp1 !== 4 || status < 100) throw new SipParseError('SIP_ERR_BAD_STATUS_CODE', line.slice(sp1 + 1, Math.min(sp2, sp1 + 16)));
  return { status, reason: line.slice(sp2 + 1) };
}

function parseRequestLine(line: string): { method: string; uriStr: string } {
  // Request-Line = Method SP Request-URI SP SIP-Version (RFC 3261 §7.1): exactly single SPs
  // (RFC 4475 §3.1.2.9 lwsstart, §3.1.2.10 trws, §3.1.2.8 lwsruri).
  const sp1 = line.indexOf(' ');
  if (sp1 <= 0) throw new SipParseError('SIP_ERR_BAD_START_LINE', 'no Request-URI', { status: 0 });
  const method = line.slice(0, sp1);
  if (!isTokenRange(line, 0, sp1)) throw new SipParseError('SIP_ERR_BAD_METHOD', undefined, { status: 0 });
  const sp2 = line.indexOf(' ', sp1 + 1);
  if (sp2 < 0) throw new SipParseError('SIP_ERR_BAD_START_LINE', 'no SIP-Version');
  const uriStr = line.slice(sp1 + 1, sp2);
  const version = line.slice(sp2 + 1);
  if (uriStr.length === 0) throw new SipParseError('SIP_ERR_BAD_START_LINE', 'extra SP before Request-URI');
  if (version.indexOf(' ') >= 0 || version.indexOf('\t') >= 0) {
    // either LWS inside the Request-URI or trailing SP after the version
    throw new SipParseError('SIP_ERR_BAD_START_LINE', 'extra SP in Request-Line');
  }
  const v = version.toUpperCase();
  if (v !== 'SIP/2.0') {
    if (/^SIP\/\d+\.\d+$/.test(v)) throw new SipParseError('SIP_ERR_BAD_VERSION', version);
    throw new SipParseError('SIP_ERR_BAD_START_LINE', 'bad SIP-Version');
  }
  return { method, uriStr };
}

function parseRequestUri(s: string, limits: ParserLimits): SipUri {
  if (s.charCodeAt(0) === 60) throw new SipParseError('SIP_ERR_BAD_REQUEST_URI', 'Request-URI enclosed in <>');
  let uri: SipUri;
  try {
    uri = parseUri(s);
  } catch (e) {
    if (e instanceof SipParseError) throw new SipParseError('SIP_ERR_BAD_REQUEST_URI', e.message);
    throw e;
  }
  const schemes = limits.allowedSchemes ?? DEFAULT_SCHEMES;
  if (!schemes.includes(uri.scheme)) throw new SipParseError('SIP_ERR_UNSUPPORTED_URI_SCHEME', uri.scheme);
  // RFC 3261 §19.1.1 table: headers are not allowed in a Request-URI (RFC 4475 §3.1.2.11 escruri)
  if (uri.headers.size > 0) throw new SipParseError('SIP_ERR_BAD_REQUEST_URI', 'headers in Request-URI');
  return uri;
}

function single(h: SipHeaders, name: string): void {
  const n = h.countFields(name);
  if (n === 0) throw new SipParseError('SIP_ERR_MISSING_HEADER', name, { reason: `Missing ${name}` });
  if (n > 1) throw new SipParseError('SIP_ERR_MULTIPLE_SINGLE_VALUE', name, { reason: `Multiple ${name} Values` });
}

function validate(msg: SipMessage, h: SipHeaders): void {
  if (!h.has('via')) throw new SipParseError('SIP_ERR_MISSING_HEADER', 'Via', { reason: 'Missing Via' });
  void msg.via;
  single(h, 'CSeq');
  const cseq = msg.cseq;
  if (msg.isRequest && cseq.method !== msg.method) {
    // RFC 4475 §3.1.2.17/18 mismatch01/02
    throw new SipParseError('SIP_ERR_CSEQ_METHOD_MISMATCH', `${msg.method} vs ${cseq.method}`);
  }
  single(h, 'Call-ID');
  const callId = msg.callId;
  for (let i = 0; i < callId.length; i++) {
    const c = callId.charCodeAt(i);
    if (c <= 32 || c === 127) throw new SipParseError('SIP_ERR_BAD_CALL_ID', 'whitespace in Call-ID');
  }
  if (callId.length === 0) throw new SipParseError('SIP_ERR_BAD_CALL_ID', 'empty');
  single(h, 'From');
  void msg.from;
  single(h, 'To');
  void msg.to;
  if (h.countFields('max-forwards') > 1) throw new SipParseError('SIP_ERR_MULTIPLE_SINGLE_VALUE', 'Max-Forwards', { reason: 'Multiple Max-Forwards Values' });
  void msg.maxForwards;
  const cl = h.countFields('content-length');
  if (cl > 1 || (cl === 1 && (h.get('content-length') as string).indexOf(',') >= 0)) {
    // RFC 4475 §3.3.9 mcl01
    throw new SipParseError('SIP_ERR_BAD_CONTENT_LENGTH', 'multiple values', { reason: 'Multiple Content-Length Values' });
  }
  if (h.has('contact')) msg.contacts();
  const date = h.get('date');
  // RFC 3261 §20.17: SIP-date is rfc1123-date, always GMT (RFC 4475 §3.1.2.12 baddate)
  if (date !== undefined && !DATE_RE.test(date)) throw new SipParseError('SIP_ERR_BAD_DATE', date.slice(0, 40));
}

function frameBody(buf: Buffer, bodyStart: number, h: SipHeaders): Buffer {
  const available = buf.length - bodyStart;
  const v = h.get('content-length');
  if (v === undefined) return buf.subarray(bodyStart); // RFC 3261 §18.3: optional on datagrams
  let n = -1;
  const t = v.trim();
  n = parseUint(t, 0x7fffffff);
  if (n < 0) throw new SipParseError('SIP_ERR_BAD_CONTENT_LENGTH', JSON.stringify(t.slice(0, 16)));
  // RFC 3261 §18.3: fewer octets than Content-Length is an error (RFC 4475 clerr); extra octets
  // past Content-Length are discarded (RFC 4475 dblreq).
  if (n > available) throw new SipParseError('SIP_ERR_CONTENT_LENGTH_MISMATCH', `${n} > ${available}`, { reason: 'Content-Length Larger Than Message' });
  return buf.subarray(bodyStart, bodyStart + n);
}
