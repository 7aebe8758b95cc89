// SIP message model: requests, responses, typed header accessors (parsed lazily, cached, dropped when
// the header changes), serializer and builders. RFC 3261 §7 (messages), §8.2.6 (building responses).
import { SipParseError } from './errors.ts';
import { parseCSeq, parseScalar, type CSeq } from './headers/cseq.ts';
import { parseNameAddr, parseNameAddrList, type NameAddr } from './headers/name-addr.ts';
import { reasonPhrase } from './headers/reason-phrases.ts';
import { headerKey } from './headers/names.ts';
import { SipHeaders } from './headers/sip-headers.ts';
import { parseViaList, type Via } from './headers/via.ts';
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

abstract class SipMessageBase {
  headers: SipHeaders;
  body: Buffer;

  constructor(headers: SipHeaders, body: Buffer) {
    this.headers = headers;
    this.body = body;
  }

  get callId(): string {
    const v = this.headers.get('call-id');
    if (v === undefined) throw missing('Call-ID');
    return v;
  }

  get cseq(): CSeq {
    return this.headers.parsed('cseq', (h) => {
      const v = h.get('cseq');
      if (v === undefined) throw missing('CSeq');
      return parseCSeq(v);
    });
  }

  get from(): NameAddr {
    return this.headers.parsed('from', (h) => {
      const v = h.get('from');
      if (v === undefined) throw missing('From');
      return parseNameAddr(v, 'SIP_ERR_BAD_FROM');
    });
  }

  get to(): NameAddr {
    return this.headers.parsed('to', (h) => {
      const v = h.get('to');
      if (v === undefined) throw missing('To');
      return parseNameAddr(v, 'SIP_ERR_BAD_TO');
    });
  }

  /** All Via values, top first. */
  get via(): Via[] {
    return this.headers.parsed('via', (h) => parseViaList(h.getAll('via')));
  }

  get topVia(): Via {
    const v = this.via[0];
    if (v === undefined) throw missing('Via');
    return v;
  }

  get maxForwards(): number | undefined {
    return this.headers.parsed('max-forwards', (h) => {
      const v = h.get('max-forwards');
      // RFC 3261 §20.22: 0-255 (RFC 4475 scalar02: larger values are errors)
      return v === undefined ? undefined : parseScalar(v, 255, 'SIP_ERR_BAD_MAX_FORWARDS');
    });
  }

  /** Content-Length as received (parsed messages) or the body length. */
  get contentLength(): number {
    const v = this.headers.get('content-length');
    if (v === undefined) return this.body.length;
    return parseScalar(v, 0x7fffffff, 'SIP_ERR_BAD_CONTENT_LENGTH');
  }

  get contentType(): string | undefined {
    return this.headers.get('content-type');
  }

  /** Contact values; `Contact: *` gives one entry with `star: true` and uri STAR_URI. */
  contacts(): NameAddr[] {
    return this.headers.parsed('contact', (h) => parseNameAddrList(h.getAll('contact'), 'SIP_ERR_BAD_CONTACT', true));
  }

  routes(): NameAddr[] {
    return this.headers.parsed('route', (h) => parseNameAddrList(h.getAll('route'), 'SIP_ERR_BAD_NAME_ADDR'));
  }

  recordRoutes(): NameAddr[] {
    return this.headers.parsed('record-route', (h) => parseNameAddrList(h.getAll('record-route'), 'SIP_ERR_BAD_NAME_ADDR'));
  }

  protected abstract startLine(): string;

  /** Serialises the message; Content-Length is recomputed from the body (kept at its position). */
  toBuffer(): Buffer {
    const h = this.headers;
    let s = `${this.startLine()}\r\n`;
    let cl = false;
    const n = h.size;
    for (let i = 0; i < n; i++) {
      if (h.keyAt(i) === 'content-length') {
        if (!cl) s += `${h.nameAt(i)}: ${this.body.length}\r\n`;
        cl = true;
      } else {
        s += `${h.nameAt(i)}: ${h.valueAt(i)}\r\n`;
      }
    }
    if (!cl) s += `Content-Length: ${this.body.length}\r\n`;
    s += '\r\n';
    const head = Buffer.from(s, 'utf8');
    return this.body.length === 0 ? head : Buffer.concat([head, this.body], head.length + this.body.length);
  }

  toString(): string {
    return this.toBuffer().toString('utf8');
  }
}

export class SipRequest extends SipMessageBase {
  readonly isRequest = true as const;
  method: string;
  #uri: SipUri;
  #uriRaw: string | undefined;
  #uriRawFormatted: string | undefined;

  constructor(method: string, uri: SipUri, headers: SipHeaders, body: Buffer, uriRaw?: string) {
    super(headers, body);
    this.method = method;
    this.#uri = uri;
    this.#uriRaw = uriRaw;
  }

  /** Request-URI (parsed). Mutating it in place is allowed: the serializer notices. */
  get uri(): SipUri {
    return this.#uri;
  }

  set uri(u: SipUri) {
    this.#uri = u;
    this.#uriRaw = undefined;
  }

  /** The Request-URI text as it will be serialised (raw when unchanged since parsing). */
  get uriText(): string {
    const raw = this.#uriRaw;
    if (raw === undefined) return formatUri(this.#uri);
    // Keep the received spelling (escapes, case) unless the parsed URI was changed in place.
    this.#uriRawFormatted ??= formatUri(parseUri(raw));
    const now = formatUri(this.#uri);
    return now === this.#uriRawFormatted ? raw : now;
  }

  protected startLine(): string {
    return `${this.method} ${this.uriText} SIP/2.0`;
  }

  clone(): this {
    const c = new SipRequest(this.method, cloneUri(this.#uri), this.headers.clone(), this.body, this.#uriRaw);
    return c as this;
  }
}

export class SipResponse extends SipMessageBase {
  readonly isRequest = false as const;
  status: number;
  reason: string;

  constructor(status: number, reason: string, headers: SipHeaders, body: Buffer) {
    super(headers, body);
    this.status = status;
    this.reason = reason;
  }

  protected startLine(): string {
    return `SIP/2.0 ${this.status} ${this.reason}`;
  }

  clone(): this {
    return new SipResponse(this.status, this.reason, this.headers.clone(), this.body) as this;
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
  for (const [name, value] of src) {
    if (headerKey(name) === 'via') h.append(name, value);
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
