// SIP message model: requests, responses, typed header accessors (parsed lazily, cached, dropped when
// the header changes), serializer and builders. RFC 3261 §7 (messages), §8.2.6 (building responses).
import { SipParseError } from './errors.ts';
import { parseCSeq, parseScalar, type CSeq } from './headers/cseq.ts';
import { parseNameAddr, parseNameAddrList, type NameAddr } from './headers/name-addr.ts';
import { reasonPhrase } from './headers/reason-phrases.ts';
import { H_CONTACT, H_CSEQ, H_FROM, H_MAX_FORWARDS, H_RECORD_ROUTE, H_ROUTE, H_TO, H_TOP_VIA, H_VIA } from './headers/names.ts';
import { isToken } from './headers/scan.ts';
import { ByteParts } from './headers/serialize.ts';
import { SipHeaders, UNSET } from './headers/sip-headers.ts';
import { parseVia, parseViaList, type Via } from './headers/via.ts';
import { cloneUri, formatUri, parseUri, type SipUri } from './uri.ts';

export { SipHeaders } from './headers/sip-headers.ts';
export { SipParseError, isSipParseError, SIP_ERRORS, type SipErrorCode } from './errors.ts';
export { parseUri, formatUri, cloneUri, type SipUri } from './uri.ts';
export { parseNameAddr, parseNameAddrList, formatNameAddr, paramValue, STAR_URI, type NameAddr } from './headers/name-addr.ts';
export { parseVia, parseViaList, formatVia, type Via } from './headers/via.ts';
export { parseCSeq, type CSeq } from './headers/cseq.ts';
export { unquote, quote, splitTopLevel, formatParams } from './headers/scan.ts';
export { reasonPhrase } from './headers/reason-phrases.ts';
export { parseMessage, DEFAULT_LIMITS, type ParserLimits } from './parser.ts';

export type SipMessage = SipRequest | SipResponse;

function missing(name: string): SipParseError {
  return new SipParseError('SIP_ERR_MISSING_HEADER', name, { reason: `Missing ${name}` });
}

function toBody(b: Buffer | string | undefined): Buffer {
  if (b === undefined) return Buffer.alloc(0);
  return typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
}

/**
 * Where a parsed message came from, for copying untouched bytes back out (set only when the head is
 * ASCII, so string offsets are byte offsets). @internal
 */
export interface RawOrigin {
  src: Buffer;
  /** Offset of the start line in src. */
  lineStart: number;
  /** Length of the start line without CRLF when spelt exactly as the serializer writes it, else -1. */
  lineLen: number;
  /** Offset of the CRLF that ends the header section, or -1 (bare LF line ends, no empty line). */
  emptyLine: number;
  /** The body as parsed (a view into src at bodyStart). */
  body: Buffer;
  bodyStart: number;
}

const EMPTY = Buffer.alloc(0);

/** The fields toBufferWithTwin wrote, in order, with each line's offset (in characters) in the output. */
interface Written {
  names: string[];
  keys: string[];
  values: string[];
  spans: number[];
  /** characters written so far */
  offset: number;
  /** the start line, when written as text (not copied from received bytes) */
  line: string | undefined;
  /** every field reads back as written: a token name, a value without CR or LF and without surrounding blanks */
  canonical: boolean;
}

/** A value the parser reads back as written (it cuts lines at LF and trims SP, HT and CR around values). */
function canonicalValue(v: string): boolean {
  const n = v.length;
  if (n === 0) return true;
  const a = v.charCodeAt(0);
  const b = v.charCodeAt(n - 1);
  return a !== 32 && a !== 9 && b !== 32 && b !== 9 && v.indexOf('\n') < 0 && v.indexOf('\r') < 0;
}

function written(w: Written, name: string, key: string, value: string): void {
  if (w.canonical && (!isToken(name) || !canonicalValue(value))) w.canonical = false;
  w.names.push(name);
  w.keys.push(key);
  w.values.push(value);
  w.spans.push(w.offset);
  w.offset += name.length + value.length + 4;
}

function contactList(h: SipHeaders): NameAddr[] {
  return parseNameAddrList(h.getAllByKey('contact'), 'SIP_ERR_BAD_CONTACT', true);
}
function routeList(h: SipHeaders): NameAddr[] {
  return parseNameAddrList(h.getAllByKey('route'), 'SIP_ERR_BAD_NAME_ADDR');
}
function recordRouteList(h: SipHeaders): NameAddr[] {
  return parseNameAddrList(h.getAllByKey('record-route'), 'SIP_ERR_BAD_NAME_ADDR');
}

/** Cached parsed view of header id, computed by parse on first use (and after the header changed). */
function memoised<T>(h: SipHeaders, id: number, parse: (h: SipHeaders) => T): T {
  const m = h.memo(id);
  if (m !== UNSET) return m as T;
  const v = parse(h);
  h.setMemo(id, v);
  return v;
}

abstract class SipMessageBase {
  headers: SipHeaders;
  body: Buffer;
  #origin: RawOrigin | undefined;

  constructor(headers: SipHeaders, body: Buffer) {
    this.headers = headers;
    this.body = body;
    this.#origin = undefined;
  }

  protected get origin(): RawOrigin | undefined {
    return this.#origin;
  }

  protected set origin(o: RawOrigin | undefined) {
    this.#origin = o;
  }

  get callId(): string {
    const v = this.headers.getByKey('call-id');
    if (v === undefined) throw missing('Call-ID');
    return v;
  }

  get cseq(): CSeq {
    const h = this.headers;
    const m = h.memo(H_CSEQ);
    if (m !== UNSET) return m as CSeq;
    const v = h.getByKey('cseq');
    if (v === undefined) throw missing('CSeq');
    const c = parseCSeq(v);
    h.setMemo(H_CSEQ, c);
    return c;
  }

  get from(): NameAddr {
    const h = this.headers;
    const m = h.memo(H_FROM);
    if (m !== UNSET) return m as NameAddr;
    const v = h.getByKey('from');
    if (v === undefined) throw missing('From');
    const a = parseNameAddr(v, 'SIP_ERR_BAD_FROM');
    h.setMemo(H_FROM, a);
    return a;
  }

  get to(): NameAddr {
    const h = this.headers;
    const m = h.memo(H_TO);
    if (m !== UNSET) return m as NameAddr;
    const v = h.getByKey('to');
    if (v === undefined) throw missing('To');
    const a = parseNameAddr(v, 'SIP_ERR_BAD_TO');
    h.setMemo(H_TO, a);
    return a;
  }

  /** All Via values, top first. */
  get via(): Via[] {
    const h = this.headers;
    const m = h.memo(H_VIA);
    if (m !== UNSET) return m as Via[];
    const v = parseViaList(h.getAllByKey('via'));
    h.setMemo(H_VIA, v);
    return v;
  }

  /** The top Via; parsed alone (the parser has usually built it already) unless the list is cached. */
  get topVia(): Via {
    const h = this.headers;
    const all = h.memo(H_VIA);
    let v: Via | undefined;
    if (all !== UNSET) v = (all as Via[])[0];
    else {
      const m = h.memo(H_TOP_VIA);
      if (m !== UNSET) return m as Via;
      const first = h.getByKey('via');
      if (first !== undefined && first.indexOf(',') < 0 && first.trim().length > 0) {
        v = parseVia(first);
        h.setMemo(H_TOP_VIA, v);
      } else v = this.via[0];
    }
    if (v === undefined) throw missing('Via');
    return v;
  }

  get maxForwards(): number | undefined {
    const h = this.headers;
    const m = h.memo(H_MAX_FORWARDS);
    if (m !== UNSET) return m as number | undefined;
    const v = h.getByKey('max-forwards');
    // RFC 3261 §20.22: 0-255 (RFC 4475 scalar02: larger values are errors)
    const n = v === undefined ? undefined : parseScalar(v, 255, 'SIP_ERR_BAD_MAX_FORWARDS');
    h.setMemo(H_MAX_FORWARDS, n);
    return n;
  }

  /** Content-Length as received (parsed messages) or the body length. */
  get contentLength(): number {
    const v = this.headers.getByKey('content-length');
    if (v === undefined) return this.body.length;
    return parseScalar(v, 0x7fffffff, 'SIP_ERR_BAD_CONTENT_LENGTH');
  }

  get contentType(): string | undefined {
    return this.headers.getByKey('content-type');
  }

  /** Contact values; `Contact: *` gives one entry with `star: true` and uri STAR_URI. */
  contacts(): NameAddr[] {
    return memoised(this.headers, H_CONTACT, contactList);
  }

  routes(): NameAddr[] {
    return memoised(this.headers, H_ROUTE, routeList);
  }

  recordRoutes(): NameAddr[] {
    return memoised(this.headers, H_RECORD_ROUTE, recordRouteList);
  }

  protected abstract startLine(): string;

  /** True when the start line would be written exactly as received. */
  protected abstract startLineUnchanged(): boolean;

  /**
   * Serialises the message; Content-Length is recomputed from the body (kept at its position). Lines
   * that are unchanged since parsing (and were spelt canonically) are copied from the received bytes,
   * so an unmodified message costs one copy. Always returns a fresh Buffer.
   */
  toBuffer(): Buffer {
    return this.#write(undefined);
  }

  /**
   * Serialises the message as toBuffer does and builds, in the same pass, what parseMessage would make of those
   * bytes: the fields as written (Content-Length the body's), each line's span in the bytes, the body a view of
   * them. The reliable in-process hop between the roles of one process hands the twin over with the bytes instead of
   * parsing them again (src/sip/transport/udp.ts; the receiver runs parser.ts checkTwin on it). The twin shares
   * strings (immutable) and nothing else with this message; parsed header views are left to be built when read, as
   * after a parse. No twin when a field would not read back as written (see Written.canonical). @internal
   */
  toBufferWithTwin(): { bytes: Buffer; twin: SipMessage | undefined } {
    const w: Written = { names: [], keys: [], values: [], spans: [], offset: 0, line: undefined, canonical: true };
    const bytes = this.#write(w);
    // a field the parser would read differently (a line break in a value set by code, surrounding blanks, a name
    // that is not a token): no twin, the receiver parses the bytes and answers as for any peer
    const line = w.line;
    if (!w.canonical || (line !== undefined && (line.indexOf('\n') >= 0 || line.indexOf('\r') >= 0))) return { bytes, twin: undefined };
    const bodyLen = this.body.length;
    const body = bodyLen === 0 ? EMPTY : bytes.subarray(bytes.length - bodyLen);
    // offsets were counted in characters: they are byte offsets when the head is ASCII (the parser's rule too)
    const ascii = w.offset + 2 === bytes.length - bodyLen;
    const headers = SipHeaders.fromParsed(w.names, w.keys, w.values, ascii ? bytes : undefined, ascii ? w.spans : undefined);
    const origin: RawOrigin | undefined = ascii
      ? { src: bytes, lineStart: 0, lineLen: (w.spans[0] as number) - 2, emptyLine: w.offset, body, bodyStart: w.offset + 2 }
      : undefined;
    // (spans[0] exists: Content-Length is always written)
    return { bytes, twin: this.twin(headers, body, origin, w.line) };
  }

  /** The parsed message of the written fields (toBufferWithTwin); `line` is the start line when written as text. */
  protected abstract twin(headers: SipHeaders, body: Buffer, origin: RawOrigin | undefined, line: string | undefined): SipMessage;

  #write(w: Written | undefined): Buffer {
    const h = this.headers;
    const body = this.body;
    const o = this.#origin;
    const raw = o !== undefined && h.source() === o.src ? o : undefined;
    const out = new ByteParts(raw?.src);
    if (raw !== undefined && raw.lineLen >= 0 && this.startLineUnchanged()) {
      out.range(raw.lineStart, raw.lineStart + raw.lineLen + 2);
      if (w !== undefined) w.offset = raw.lineLen + 2;
    } else {
      const line = this.startLine();
      out.string(`${line}\r\n`);
      if (w !== undefined) {
        w.line = line;
        w.offset = line.length + 2;
      }
    }
    let cl = false;
    const n = h.size;
    for (let i = 0; i < n; i++) {
      const span = raw === undefined ? -1 : h.spanAt(i);
      const key = h.keyAt(i);
      let value = h.valueAt(i);
      if (key === 'content-length') {
        if (cl) continue;
        cl = true;
        if (span >= 0 && value === String(body.length)) {
          out.range(span, span + h.nameAt(i).length + value.length + 4);
        } else {
          value = String(body.length);
          out.string(`${h.nameAt(i)}: ${value}\r\n`);
        }
      } else if (span >= 0) {
        out.range(span, span + h.nameAt(i).length + value.length + 4);
      } else {
        out.string(`${h.nameAt(i)}: ${value}\r\n`);
      }
      if (w !== undefined) written(w, h.nameAt(i), key, value);
    }
    if (!cl) {
      out.string(`Content-Length: ${body.length}\r\n`);
      if (w !== undefined) written(w, 'Content-Length', 'content-length', String(body.length));
    }
    if (raw === undefined || raw.emptyLine < 0 || !out.extend(raw.emptyLine, raw.emptyLine + 2)) out.string('\r\n');
    if (raw !== undefined && body === raw.body && body.length > 0) {
      if (!out.extend(raw.bodyStart, raw.bodyStart + body.length)) out.buffer(body);
    } else {
      out.buffer(body);
    }
    return out.toBuffer();
  }

  toString(): string {
    return this.toBuffer().toString('utf8');
  }
}

/** Placeholder passed to the constructor by fromParsed; the real URI is built on first read. */
const PENDING_URI: SipUri = Object.freeze({ scheme: '', host: '', params: new Map(), headers: new Map() }) as SipUri;

export class SipRequest extends SipMessageBase {
  readonly isRequest = true as const;
  method: string;
  #uri: SipUri | undefined;
  #uriRaw: string | undefined;
  #uriRawFormatted: string | undefined;
  #origMethod: string | undefined;

  constructor(method: string, uri: SipUri, headers: SipHeaders, body: Buffer, uriRaw?: string) {
    super(headers, body);
    this.method = method;
    this.#uri = uri;
    this.#uriRaw = uriRaw;
    this.#uriRawFormatted = undefined;
    this.#origMethod = undefined;
  }

  /**
   * Parser fast path: the Request-URI text was validated (scanUri) and is parsed when first read.
   * @internal
   */
  static fromParsed(method: string, uriRaw: string, headers: SipHeaders, body: Buffer, origin: RawOrigin | undefined): SipRequest {
    const r = new SipRequest(method, PENDING_URI, headers, body, uriRaw);
    r.#uri = undefined;
    r.#origMethod = method;
    r.origin = origin;
    return r;
  }

  /** Request-URI (parsed). Mutating it in place is allowed: the serializer notices. */
  get uri(): SipUri {
    return (this.#uri ??= parseUri(this.#uriRaw as string));
  }

  set uri(u: SipUri) {
    this.#uri = u;
    this.#uriRaw = undefined;
  }

  /** The Request-URI text as it will be serialised (raw when unchanged since parsing). */
  get uriText(): string {
    const raw = this.#uriRaw;
    if (raw === undefined) return formatUri(this.#uri as SipUri);
    if (this.#uri === undefined) return raw; // never read, so never changed
    // Keep the received spelling (escapes, case) unless the parsed URI was changed in place.
    this.#uriRawFormatted ??= formatUri(parseUri(raw));
    const now = formatUri(this.#uri);
    return now === this.#uriRawFormatted ? raw : now;
  }

  protected startLine(): string {
    return `${this.method} ${this.uriText} SIP/2.0`;
  }

  protected startLineUnchanged(): boolean {
    const raw = this.#uriRaw;
    return this.method === this.#origMethod && raw !== undefined && this.uriText === raw;
  }

  protected twin(headers: SipHeaders, body: Buffer, origin: RawOrigin | undefined, line: string | undefined): SipMessage {
    // `line` is `METHOD uri SIP/2.0`; without it the start line was copied, i.e. the received Request-URI text
    const uri = line === undefined ? (this.#uriRaw as string) : line.slice(this.method.length + 1, line.length - 8);
    return SipRequest.fromParsed(this.method, uri, headers, body, origin);
  }

  clone(): this {
    const c = new SipRequest(this.method, PENDING_URI, this.headers.clone(), this.body, this.#uriRaw);
    c.#uri = this.#uri === undefined ? undefined : cloneUri(this.#uri);
    c.#origMethod = this.#origMethod;
    c.origin = this.origin;
    return c as this;
  }
}

export class SipResponse extends SipMessageBase {
  readonly isRequest = false as const;
  status: number;
  reason: string;
  #origStatus = 0;
  #origReason: string | undefined;
  /**
   * Set by a server transaction that sent this response and then let go of it: a transport error reported
   * later for this object still finds its transaction (a WeakRef per transaction cost the GC more). @internal
   */
  releaseId = 0;

  constructor(status: number, reason: string, headers: SipHeaders, body: Buffer) {
    super(headers, body);
    this.status = status;
    this.reason = reason;
  }

  /** Parser fast path. @internal */
  static fromParsed(status: number, reason: string, headers: SipHeaders, body: Buffer, origin: RawOrigin | undefined): SipResponse {
    const r = new SipResponse(status, reason, headers, body);
    r.#origStatus = status;
    r.#origReason = reason;
    r.origin = origin;
    return r;
  }

  protected startLine(): string {
    return `SIP/2.0 ${this.status} ${this.reason}`;
  }

  protected startLineUnchanged(): boolean {
    return this.status === this.#origStatus && this.reason === this.#origReason;
  }

  protected twin(headers: SipHeaders, body: Buffer, origin: RawOrigin | undefined): SipMessage {
    return SipResponse.fromParsed(this.status, this.reason, headers, body, origin);
  }

  clone(): this {
    const c = new SipResponse(this.status, this.reason, this.headers.clone(), this.body);
    c.#origStatus = this.#origStatus;
    c.#origReason = this.#origReason;
    c.origin = this.origin;
    return c as this;
  }
}

export function createRequest(init: {
  method: string;
  uri: SipUri | string;
  headers?: Iterable<[string, string]>;
  body?: Buffer | string;
}): SipRequest {
  const uri = typeof init.uri === 'string' ? parseUri(init.uri) : init.uri;
  return new SipRequest(init.method, uri, new SipHeaders(init.headers), toBody(init.body));
}

/** Appends `;tag=` to a To value that has none. */
function withToTag(to: string, tag: string | undefined): string {
  if (tag === undefined) return to;
  try {
    if (parseNameAddr(to, 'SIP_ERR_BAD_TO').params.has('tag')) return to;
  } catch {
    return to;
  }
  return `${to};tag=${tag}`;
}

/**
 * RFC 3261 §8.2.6.2: copies Via (all, in order), From, To (+ To tag when given, status > 100 and the
 * To has none), Call-ID and CSeq. Record-Route for dialog-creating responses is the caller's job.
 */
export function createResponse(
  req: SipRequest | { headers: SipHeaders },
  status: number,
  reason?: string,
  init?: { headers?: Iterable<[string, string]>; body?: Buffer | string; toTag?: string },
): SipResponse {
  const src = req.headers;
  const h = new SipHeaders();
  // every Via field as received, in order (indexed access: no iterator and entry array per field)
  for (let i = 0, n = src.size; i < n; i++) {
    if (src.keyAt(i) === 'via') h.append(src.nameAt(i), src.valueAt(i));
  }
  for (const name of ['From', 'To', 'Call-ID', 'CSeq']) {
    let v = src.get(name);
    if (v === undefined) continue;
    if (name === 'To' && status > 100) v = withToTag(v, init?.toTag);
    h.append(name, v);
  }
  if (init?.headers) for (const [n, v] of init.headers) h.append(n, v);
  return new SipResponse(status, reason ?? reasonPhrase(status), h, toBody(init?.body));
}

/**
 * Response to a request that failed to parse (RFC 4475: "respond with 400 Bad Request"), built from
 * the raw header fields the parser could read. Undefined when no response can be formed (status 0).
 */
export function createErrorResponse(err: SipParseError, toTag?: string): SipResponse | undefined {
  if (err.status === 0 || err.partial === undefined || err.partial.method === 'ACK') return undefined;
  const init = toTag === undefined ? undefined : { toTag };
  return createResponse({ headers: err.partial.headers }, err.status, err.reason, init);
}
