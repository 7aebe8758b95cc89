// Datagram/complete-message parser. One pass over the head finds line boundaries and name colons
// (native indexOf over a one-byte string, slices not copies); header names are recognised by a
// case-folded hash without making a string for the usual spellings. Values stay raw strings and are
// parsed lazily. What is needed to route and frame (Via, CSeq, Call-ID, From, To, Max-Forwards,
// Content-Length, Contact, Date, Request-URI) is validated here, as RFC 4475 §3.1.2 asks, by scans that
// accept exactly what the object parsers accept but build nothing; the objects are built when read.
import { isAscii } from 'node:buffer';
import { SipParseError } from './errors.ts';
import { parseCSeq, parseScalar, parseUint, type CSeq } from './headers/cseq.ts';
import { checkNameAddr, checkNameAddrList, parseNameAddr, parseNameAddrRange } from './headers/name-addr.ts';
import {
  headerKey, lookupName, H_CALL_ID, H_CONTACT, H_CONTENT_LENGTH, H_COUNT, H_CSEQ, H_DATE, H_FROM, H_MAX_FORWARDS,
  H_TO, H_TOP_VIA, H_VIA, type KnownName,
} from './headers/names.ts';
import { TOKEN } from './headers/scan.ts';
import { checkRequestUri, isVersion20Exact, methodName, parseRequestLine, parseStatusLine } from './headers/start-line.ts';
import { SipHeaders } from './headers/sip-headers.ts';
import { checkVia, checkViaField, parseViaRange } from './headers/via.ts';
import { SipRequest, SipResponse, type RawOrigin, type SipMessage } from './message.ts';
import type { NameAddr } from './headers/name-addr.ts';
import type { Via } from './headers/via.ts';

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
const CRLFCRLF = Buffer.from('\r\n\r\n');
const LFLF = Buffer.from('\n\n');
const DATE_RE = /^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const EMPTY = Buffer.alloc(0);
// Per-parse scratch state (parsing is synchronous): field count and first index per H_* header.
const counts = new Int32Array(H_COUNT);
const firsts = new Int32Array(H_COUNT);
const exact = { value: false };
// Fields are collected in reused scratch arrays (in-bounds stores, no growth) and copied out once.
const scratchNames: string[] = new Array<string>(64).fill('');
const scratchKeys: string[] = new Array<string>(64).fill('');
const scratchValues: string[] = new Array<string>(64).fill('');
const scratchSpans: number[] = new Array<number>(64).fill(0);
// Where each value sits in the head string (start -1: unfolded, only the value string has it). The
// checks scan the flat head rather than the sliced value strings, which is cheaper per character.
const scratchVs: number[] = new Array<number>(64).fill(0);
const scratchVe: number[] = new Array<number>(64).fill(0);
let curHead = '';
let curAscii = false;

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
  const crlfHead = headEnd >= 0;
  if (crlfHead) bodyStart = headEnd + 4;
  else {
    headEnd = buf.indexOf(LFLF, start); // bare-LF line ends (lenient)
    if (headEnd >= 0) bodyStart = headEnd + 2;
    else bodyStart = headEnd = len; // no empty line: header section only
  }
  // An ASCII head decodes 1:1 (offsets in the string are offsets in buf), so untouched lines can be
  // copied back on serialisation.
  const ascii = isAscii(buf) || isAscii(buf.subarray(start, headEnd));
  const head = buf.toString(ascii ? 'latin1' : 'utf8', start, headEnd);
  const hl = head.length;

  let nl = head.indexOf('\n');
  if (nl < 0) nl = hl;
  const sle = nl > 0 && head.charCodeAt(nl - 1) === 13 ? nl - 1 : nl; // start line end
  const isResponse = sle > 4 && (head.charCodeAt(0) | 0x20) === 115 && (head.charCodeAt(1) | 0x20) === 105 &&
    (head.charCodeAt(2) | 0x20) === 112 && head.charCodeAt(3) === 47;

  // Start line first: it decides whether a fault can be answered.
  let method = '';
  let uriStart = 0;
  let uriEnd = 0;
  let status = 0;
  let reason = '';
  let canonicalStart = false; // start line spelt exactly as the serializer writes it
  let startErr: SipParseError | undefined;
  try {
    if (isResponse) {
      const sp2 = parseStatusLine(head, sle);
      status = parseUint(head.slice(sp2 - 3, sp2), 699);
      reason = sp2 < sle ? head.slice(sp2 + 1, sle) : '';
      canonicalStart = sp2 < sle && isVersion20Exact(head, 0) && head.charCodeAt(7) === 32;
    } else {
      const sp1 = head.indexOf(' ');
      const sp2 = parseRequestLine(head, sp1, sle);
      method = methodName(head, 0, sp1);
      uriStart = sp1 + 1;
      uriEnd = sp2;
      canonicalStart = sp2 + 8 === sle && isVersion20Exact(head, sp2 + 1);
    }
  } catch (e) {
    if (!(e instanceof SipParseError) || isResponse || e.status === 0) {
      if (e instanceof SipParseError) e.status = 0;
      throw e;
    }
    // The method is readable: read the header fields too so the fault can be answered.
    startErr = e;
    const sp = head.indexOf(' ');
    method = head.slice(0, sp >= 0 && sp < sle ? sp : sle);
  }
  canonicalStart &&= ascii && (nl < hl ? sle === nl - 1 : sle === nl && crlfHead);

  const names = scratchNames;
  const keys = scratchKeys;
  const values = scratchValues;
  const spans = scratchSpans;
  let n = 0; // fields so far
  counts.fill(0);
  let p = nl + 1;
  let partialHeaders: SipHeaders | undefined; // what a fault answer can be built from (requests)
  try {
    while (p < hl) {
      let e = head.indexOf('\n', p);
      if (e < 0) e = hl;
      const next = e + 1;
      // the line's own CRLF: before its LF, or the first half of the head's CRLFCRLF for the last line
      let crlf: boolean;
      if (e > p && head.charCodeAt(e - 1) === 13) {
        e--;
        crlf = next <= hl;
      } else crlf = next > hl && crlfHead;
      if (e === p) {
        p = next;
        continue;
      }
      const c = head.charCodeAt(p);
      if (c === 32 || c === 9) {
        // RFC 3261 §7.3.1: LWS (CRLF + SP/HT) continues the previous field; unfold to one SP
        const last = n - 1;
        if (last < 0) throw new SipParseError('SIP_ERR_BAD_HEADER', 'continuation line before any header');
        const more = head.slice(p, e).trim();
        const v = values[last] as string;
        values[last] = more.length === 0 ? v : v.length === 0 ? more : `${v} ${more}`;
        spans[last] = -1;
        scratchVs[last] = -1;
        if ((names[last] as string).length + (values[last] as string).length + 2 > limits.maxHeaderBytes) {
          throw new SipParseError('SIP_ERR_HEADER_TOO_LONG', names[last]);
        }
      } else {
        if (e - p > limits.maxHeaderBytes) throw new SipParseError('SIP_ERR_HEADER_TOO_LONG', head.slice(p, Math.min(e, p + 32)));
        // field-name = token, hashed case-folded on the way (RFC 3261 §7.3.1: names are case-insensitive).
        // The name runs to ':' or LWS; a known name (all token characters) matches character by character,
        // so only an unknown name needs the token check.
        let i = p;
        let h = 0;
        while (i < e) {
          const d = head.charCodeAt(i);
          if (d === 58 || d === 32 || d === 9) break;
          h = (Math.imul(h, 31) + (d | 0x20)) | 0;
          i++;
        }
        const ne = i;
        while (i < e && (head.charCodeAt(i) === 32 || head.charCodeAt(i) === 9)) i++;
        if (ne === p || i >= e || head.charCodeAt(i) !== 58) throw badHeaderLine(head, p, e);
        const colon = i;
        let vs = colon + 1;
        while (vs < e && (head.charCodeAt(vs) === 32 || head.charCodeAt(vs) === 9 || head.charCodeAt(vs) === 13)) vs++;
        let ve = e;
        while (ve > vs && (head.charCodeAt(ve - 1) === 32 || head.charCodeAt(ve - 1) === 9 || head.charCodeAt(ve - 1) === 13)) ve--;
        if (n >= limits.maxHeaders) throw new SipParseError('SIP_ERR_TOO_MANY_HEADERS', `${n + 1}`);
        if (n >= names.length) {
          names.push('');
          keys.push('');
          values.push('');
          spans.push(0);
          scratchVs.push(0);
          scratchVe.push(0);
        }
        const known: KnownName | undefined = lookupName(head, p, ne, h, exact);
        if (known !== undefined) {
          names[n] = exact.value ? known.name : head.slice(p, ne);
          keys[n] = known.key;
          const id = known.id;
          if (id !== 0) {
            const k = counts[id] as number;
            counts[id] = k + 1;
            if (k === 0) firsts[id] = n;
          }
        } else {
          for (let k = p; k < ne; k++) {
            const d = head.charCodeAt(k);
            if (d >= 128 || TOKEN[d] !== 1) throw badHeaderLine(head, p, e);
          }
          const name = head.slice(p, ne);
          names[n] = name;
          keys[n] = headerKey(name);
        }
        values[n] = head.slice(vs, ve);
        scratchVs[n] = vs;
        scratchVe[n] = ve;
        // `Name: value CRLF` exactly: the serializer would write the same bytes
        spans[n] = ascii && crlf && ne === colon && vs === colon + 2 && head.charCodeAt(colon + 1) === 32 && ve === e ? start + p : -1;
        n++;
      }
      p = next;
    }
    const headers = SipHeaders.fromParsed(names.slice(0, n), keys.slice(0, n), values.slice(0, n), ascii ? buf : undefined,
      ascii ? spans.slice(0, n) : undefined);
    if (!isResponse) partialHeaders = headers;
    if (startErr) throw startErr;

    if (!isResponse) checkRequestUri(head, uriStart, uriEnd, limits.allowedSchemes);
    curHead = head;
    curAscii = ascii;
    validate(headers, values, keys, isResponse ? undefined : method);
    curHead = '';
    const body = frameBody(buf, bodyStart, values);
    const origin: RawOrigin | undefined = ascii
      ? { src: buf, lineStart: start, lineLen: canonicalStart ? sle : -1, emptyLine: crlfHead ? headEnd + 2 : -1, body, bodyStart }
      : undefined;
    if (isResponse) return SipResponse.fromParsed(status, reason, headers, body, origin);
    return SipRequest.fromParsed(method, head.slice(uriStart, uriEnd), headers, body, origin);
  } catch (e) {
    if (e instanceof SipParseError) {
      if (isResponse) e.status = 0; // RFC 4475 §3.1.2.5: a malformed response is dropped
      else if (partialHeaders === undefined || !partialHeaders.has('via')) e.status = 0; // nowhere to answer
      else e.partial = { method, headers: partialHeaders };
    }
    throw e;
  }
}

/**
 * The checks of parseMessage that a message built in this process could still fail: the twin handed over on the
 * reliable in-process hop (message.ts toBufferWithTwin, src/sip/transport/udp.ts). Header count and size; one Via
 * at least; exactly one From, To, Call-ID and CSeq, at most one Max-Forwards and Content-Length; the CSeq, its
 * method against the request's, Call-ID characters, the Max-Forwards range; the Request-URI (scheme, no headers).
 * Throws SipParseError as parseMessage would. Not re-checked: line structure and blanks (toBufferWithTwin gives no
 * twin for values the parser would read differently), and the syntax of Via, From, To and Contact values, which
 * the receiving stack parses when it reads them (top Via, From, To at once; a fault there is answered 400 too).
 */
export function checkTwin(m: SipMessage, limits: ParserLimits = DEFAULT_LIMITS): void {
  const h = m.headers;
  const n = h.size;
  try {
    if (n > limits.maxHeaders) throw new SipParseError('SIP_ERR_TOO_MANY_HEADERS', `${n}`);
    let vias = 0;
    let from = -1;
    let to = -1;
    let callId = -1;
    let cseq = -1;
    let mf = -1;
    let contentLength = -1;
    for (let i = 0; i < n; i++) {
      const key = h.keyAt(i);
      if (h.nameAt(i).length + h.valueAt(i).length + 2 > limits.maxHeaderBytes) throw new SipParseError('SIP_ERR_HEADER_TOO_LONG', h.nameAt(i));
      if (key === 'via') vias++;
      else if (key === 'from') from = once(from, i, 'From');
      else if (key === 'to') to = once(to, i, 'To');
      else if (key === 'call-id') callId = once(callId, i, 'Call-ID');
      else if (key === 'cseq') cseq = once(cseq, i, 'CSeq');
      else if (key === 'max-forwards') mf = once(mf, i, 'Max-Forwards');
      else if (key === 'content-length') {
        if (contentLength >= 0) throw multipleContentLength();
        contentLength = i;
      }
    }
    if (vias === 0) throw missingHeader('Via');
    present(from, 'From');
    present(to, 'To');
    present(callId, 'Call-ID');
    present(cseq, 'CSeq');
    h.setMemo(H_CSEQ, checkedCSeq(h.valueAt(cseq), m.isRequest ? m.method : undefined));
    checkCallId(h.valueAt(callId));
    h.setMemo(H_MAX_FORWARDS, mf < 0 ? undefined : maxForwards(h.valueAt(mf)));
    if (m.isRequest) {
      const uri = m.uriText;
      checkRequestUri(uri, 0, uri.length, limits.allowedSchemes);
    }
  } catch (e) {
    if (e instanceof SipParseError) {
      if (!m.isRequest) e.status = 0;
      else e.partial = { method: m.method, headers: h };
    }
    throw e;
  }
}

/** Index of the one field of a single-value header (RFC 3261 §7.3.1), or the parser's error for a second one. */
function once(seen: number, i: number, name: string): number {
  if (seen >= 0) throw multipleValues(name);
  return i;
}

function present(i: number, name: string): void {
  if (i < 0) throw missingHeader(name);
}

/** The error for a header line whose name or colon is wrong. */
function badHeaderLine(head: string, p: number, e: number): SipParseError {
  const colon = head.indexOf(':', p);
  if (colon < 0 || colon > e) return new SipParseError('SIP_ERR_BAD_HEADER', 'header line without colon');
  return new SipParseError('SIP_ERR_BAD_HEADER', 'bad header name');
}

function single(id: number, name: string): number {
  const n = counts[id] as number;
  if (n === 0) throw missingHeader(name);
  if (n > 1) throw multipleValues(name);
  return firsts[id] as number;
}

function missingHeader(name: string): SipParseError {
  return new SipParseError('SIP_ERR_MISSING_HEADER', name, { reason: `Missing ${name}` });
}

function multipleValues(name: string): SipParseError {
  return new SipParseError('SIP_ERR_MULTIPLE_SINGLE_VALUE', name, { reason: `Multiple ${name} Values` });
}

/** The CSeq; a request's must name its method (RFC 4475 §3.1.2.17/18 mismatch01/02), whose string it then shares. */
function checkedCSeq(value: string, method: string | undefined): CSeq {
  const cseq = parseCSeq(value);
  if (method === undefined) return cseq;
  if (cseq.method !== method) throw new SipParseError('SIP_ERR_CSEQ_METHOD_MISMATCH', `${method} vs ${cseq.method}`);
  cseq.method = method; // same text: share the string
  return cseq;
}

function checkCallId(callId: string): void {
  for (let i = 0; i < callId.length; i++) {
    const c = callId.charCodeAt(i);
    if (c <= 32 || c === 127) throw new SipParseError('SIP_ERR_BAD_CALL_ID', 'whitespace in Call-ID');
  }
  if (callId.length === 0) throw new SipParseError('SIP_ERR_BAD_CALL_ID', 'empty');
}

/** RFC 3261 §20.22: 0-255 (RFC 4475 scalar02: larger values are errors). */
function maxForwards(value: string): number {
  return parseScalar(value, 255, 'SIP_ERR_BAD_MAX_FORWARDS');
}

function multipleContentLength(): SipParseError {
  // RFC 4475 §3.3.9 mcl01
  return new SipParseError('SIP_ERR_BAD_CONTENT_LENGTH', 'multiple values', { reason: 'Multiple Content-Length Values' });
}

/** Each field of header id in order. */
function forEachField(id: number, keys: string[], values: string[], fn: (i: number, values: string[]) => void): void {
  let left = counts[id] as number;
  if (left === 0) return;
  const key = keys[firsts[id] as number];
  for (let i = firsts[id] as number; left > 0; i++) {
    if (keys[i] === key) {
      fn(i, values);
      left--;
    }
  }
}

/** Field i's value range in the head when it can stand for the value string (ASCII, not folded). */
function inHead(i: number): boolean {
  return curAscii && (scratchVs[i] as number) >= 0;
}

/** From/To: checked and built in the same scan (URI and parameters stay text until read). */
function nameAddrAt(i: number, values: string[], code: 'SIP_ERR_BAD_FROM' | 'SIP_ERR_BAD_TO'): NameAddr {
  if (inHead(i)) return parseNameAddrRange(curHead, scratchVs[i] as number, scratchVe[i] as number, code);
  return parseNameAddr(values[i] as string, code);
}

let viaIndex = 0;

function checkViaAt(i: number, values: string[]): void {
  const v = values[i] as string;
  if (v.indexOf(',') < 0) {
    const a = inHead(i) ? (scratchVs[i] as number) : 0;
    const b = inHead(i) ? (scratchVe[i] as number) : v.length;
    const s = inHead(i) ? curHead : v;
    // the top Via is what routing and matching read: build it in the checking scan
    if (viaIndex++ === 0 && b > a) topVia = parseViaRange(s, a, b);
    else checkVia(s, a, b);
  } else {
    viaIndex++;
    checkViaField(v);
  }
}
let topVia: Via | undefined;

function isAsciiSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function validate(h: SipHeaders, values: string[], keys: string[], method: string | undefined): void {
  if (counts[H_VIA] === 0) throw missingHeader('Via');
  viaIndex = 0;
  topVia = undefined;
  forEachField(H_VIA, keys, values, checkViaAt);
  if (topVia !== undefined) {
    h.setMemo(H_TOP_VIA, topVia);
    topVia = undefined;
  }
  h.setMemo(H_CSEQ, checkedCSeq(values[single(H_CSEQ, 'CSeq')] as string, method));
  checkCallId(values[single(H_CALL_ID, 'Call-ID')] as string);
  h.setMemo(H_FROM, nameAddrAt(single(H_FROM, 'From'), values, 'SIP_ERR_BAD_FROM'));
  h.setMemo(H_TO, nameAddrAt(single(H_TO, 'To'), values, 'SIP_ERR_BAD_TO'));
  const mf = counts[H_MAX_FORWARDS] as number;
  if (mf > 1) throw multipleValues('Max-Forwards');
  h.setMemo(H_MAX_FORWARDS, mf === 0 ? undefined : maxForwards(values[firsts[H_MAX_FORWARDS] as number] as string));
  const cl = counts[H_CONTENT_LENGTH] as number;
  if (cl > 1 || (cl === 1 && (values[firsts[H_CONTENT_LENGTH] as number] as string).indexOf(',') >= 0)) throw multipleContentLength();
  forEachField(H_CONTACT, keys, values, checkContact);
  if (counts[H_DATE] !== 0) {
    const date = values[firsts[H_DATE] as number] as string;
    // RFC 3261 §20.17: SIP-date is rfc1123-date, always GMT (RFC 4475 §3.1.2.12 baddate)
    if (!DATE_RE.test(date)) throw new SipParseError('SIP_ERR_BAD_DATE', date.slice(0, 40));
  }
}

function checkContact(i: number, values: string[]): void {
  const v = values[i] as string;
  if (inHead(i) && v.indexOf(',') < 0) {
    // as checkNameAddrList: the trimmed value (String#trim strips only these in ASCII), if any
    let a = scratchVs[i] as number;
    let b = scratchVe[i] as number;
    while (a < b && isAsciiSpace(curHead.charCodeAt(a))) a++;
    while (b > a && isAsciiSpace(curHead.charCodeAt(b - 1))) b--;
    if (a < b) checkNameAddr(curHead, a, b, 'SIP_ERR_BAD_CONTACT', true);
  } else {
    checkNameAddrList(v, 'SIP_ERR_BAD_CONTACT', true);
  }
}

function frameBody(buf: Buffer, bodyStart: number, values: string[]): Buffer {
  const available = buf.length - bodyStart;
  if (counts[H_CONTENT_LENGTH] === 0) return available > 0 ? buf.subarray(bodyStart) : EMPTY; // RFC 3261 §18.3: optional on datagrams
  const t = (values[firsts[H_CONTENT_LENGTH] as number] as string).trim();
  const n = parseUint(t, 0x7fffffff);
  if (n < 0) throw new SipParseError('SIP_ERR_BAD_CONTENT_LENGTH', JSON.stringify(t.slice(0, 16)));
  // RFC 3261 §18.3: fewer octets than Content-Length is an error (RFC 4475 clerr); extra octets
  // past Content-Length are discarded (RFC 4475 dblreq).
  if (n > available) throw new SipParseError('SIP_ERR_CONTENT_LENGTH_MISMATCH', `${n} > ${available}`, { reason: 'Content-Length Larger Than Message' });
  return n === 0 ? EMPTY : buf.subarray(bodyStart, bodyStart + n);
}
