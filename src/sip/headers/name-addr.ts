// name-addr / addr-spec values (From, To, Contact, Route, Record-Route, Refer-To, P-Asserted-Identity…).
// RFC 3261 §20.10 (Contact: '<>' required when the URI has ',', '?' or ';'), §25.1 name-addr grammar.
import { SipParseError, type SipErrorCode } from '../errors.ts';
import { formatUri, parseUriRange, scanUri, type SipUri } from '../uri.ts';
import { LazyParams } from './lazy-params.ts';
import { endOfQuotedTo, formatParams, isToken, parseParams, quote, skipWsTo, splitTopLevel, TOKEN, unquote } from './scan.ts';

export interface NameAddr {
  displayName?: string; // unquoted
  uri: SipUri;
  params: Map<string, string | null>; // header params (tag, expires, q, …); names lower-case, values raw
  star?: true; // Contact: *
}

/** Marker URI for `Contact: *` (RFC 3261 §10.2.2). */
export const STAR_URI: SipUri = Object.freeze({
  scheme: '*', host: '*', params: new Map(), headers: new Map(),
}) as SipUri;

const NO_PARAMS = new Map<string, string | null>();

/**
 * A parsed name-addr whose URI and parameters were validated but are built on first read: the URI when
 * `uri` is read, the parameter Map when more than get/has is asked (a proxy reads only the tag).
 * Own enumerable fields (displayName, params, and the URI text until it is built) carry the content, so
 * deep equality compares what was received.
 */
export class ParsedNameAddr implements NameAddr {
  // absent (not undefined-valued) when not in the text, as on a plain NameAddr
  declare displayName?: string;
  declare star?: true;
  params: Map<string, string | null>;
  /** The URI's text while it is not built. */
  uriText: string | undefined;
  #uri: SipUri | undefined;

  constructor() {
    this.params = NO_PARAMS;
    this.uriText = undefined;
    this.#uri = STAR_URI;
  }

  get uri(): SipUri {
    let u = this.#uri;
    if (u === undefined) {
      const t = this.uriText as string;
      u = this.#uri = parseUriRange(t, 0, t.length); // validated when the name-addr was parsed
      this.uriText = undefined;
    }
    return u;
  }

  set uri(u: SipUri) {
    this.#uri = u;
    this.uriText = undefined;
  }

  /** @internal the URI is s[a..b), already validated */
  setUriText(s: string, a: number, b: number): void {
    this.uriText = s.slice(a, b);
    this.#uri = undefined;
  }
}

function uriOrThrow(s: string, a: number, b: number, out: ParsedNameAddr | null, code: SipErrorCode): void {
  try {
    scanUri(s, a, b, null);
  } catch (e) {
    if (e instanceof SipParseError) throw new SipParseError(code, e.message);
    throw e;
  }
  if (out !== null) out.setUriText(s, a, b);
}

/** Header parameters in s[a..b): checked now, kept as text in out. */
function params(s: string, a: number, b: number, out: ParsedNameAddr | null, code: SipErrorCode): void {
  const end = parseParams(s, a, null, code, false, b);
  if (out !== null) out.params = new LazyParams(a === end ? '' : s.slice(a, end));
}

/** Parses one name-addr / addr-spec with its header parameters. */
export function parseNameAddr(s: string, code: SipErrorCode = 'SIP_ERR_BAD_NAME_ADDR', allowStar = false): NameAddr {
  return parseNameAddrRange(s, 0, s.length, code, allowStar);
}

/** parseNameAddr over s[a..b). */
export function parseNameAddrRange(s: string, a: number, b: number, code: SipErrorCode, allowStar = false): NameAddr {
  const out = new ParsedNameAddr();
  scanNameAddr(s, a, b, out, code, allowStar);
  return out;
}

/** Checks one name-addr / addr-spec in s[a..b) like parseNameAddr does, building nothing. */
export function checkNameAddr(s: string, a: number, b: number, code: SipErrorCode, allowStar = false): void {
  scanNameAddr(s, a, b, null, code, allowStar);
}

/** RFC 3261 §25.1: display-name = *(token LWS) / quoted-string; returns end of the name-addr prefix. */
function tokenDisplayName(s: string, i: number, p: number, out: ParsedNameAddr | null, code: SipErrorCode): void {
  // Fast path: only token characters and SP/HT (the usual `Alice <sip:…>`).
  let simple = true;
  let pe = i;
  for (let k = i; k < p; k++) {
    const c = s.charCodeAt(k);
    if (c === 32 || c === 9) continue;
    if (c >= 128 || TOKEN[c] !== 1) {
      simple = false;
      break;
    }
    pe = k + 1;
  }
  if (simple) {
    if (out === null || pe === i) return;
    const dn = s.slice(i, pe);
    out.displayName = dn.indexOf('\t') < 0 && dn.indexOf('  ') < 0 ? dn : dn.split(/[ \t]+/).join(' ');
    return;
  }
  const words = s.slice(i, p).trim().split(/[ \t]+/);
  for (const w of words) {
    if (!isToken(w)) throw new SipParseError(code, 'non-token characters in unquoted display name');
  }
  const dn = words.join(' ');
  if (out !== null && dn.length > 0) out.displayName = dn;
}

/** name-addr / addr-spec in s[a..b); out === null only checks. */
function scanNameAddr(s: string, a: number, b: number, out: ParsedNameAddr | null, code: SipErrorCode, allowStar: boolean): void {
  let i = skipWsTo(s, a, b);
  const n = b;
  if (i >= n) throw new SipParseError(code, 'empty value');
  const c = s.charCodeAt(i);
  if (c === 42 /* * */ && allowStar) {
    if (out !== null) out.star = true;
    params(s, skipWsTo(s, i + 1, n), n, out, code);
    return;
  }
  let lt = -1;
  if (c === 34 /* " */) {
    const e = endOfQuotedTo(s, i, n);
    if (e < 0) throw new SipParseError('SIP_ERR_BAD_QUOTED_STRING', 'display name', { reason: 'Unterminated Quoted String' });
    if (out !== null) out.displayName = unquote(s.slice(i, e));
    i = skipWsTo(s, e, n);
    if (i >= n || s.charCodeAt(i) !== 60) throw new SipParseError(code, "expected '<' after display name");
    lt = i;
  } else if (c === 60) {
    lt = i;
  } else {
    // name-addr with a token display name, or addr-spec: a '<' preceded only by tokens and LWS.
    // Usual case first: `Alice <sip:…>`, found in one pass.
    let k = i;
    while (k < n) {
      const d = s.charCodeAt(k);
      if (d === 32 || d === 9 || (d < 128 && TOKEN[d] === 1)) k++;
      else break;
    }
    if (k < n && s.charCodeAt(k) === 60) {
      tokenDisplayName(s, i, k, out, code);
      lt = k;
    } else {
      const p = s.indexOf('<', i);
      if (p >= 0 && p < n) {
        const colon = s.indexOf(':', i);
        const semi = s.indexOf(';', i);
        if ((colon < 0 || colon >= p) && (semi < 0 || semi >= p)) {
          tokenDisplayName(s, i, p, out, code);
          lt = p;
        }
      }
    }
  }
  if (lt >= 0) {
    const gt = s.indexOf('>', lt + 1);
    if (gt < 0 || gt >= n) throw new SipParseError(code, "missing '>'");
    if (gt === lt + 1 || s.charCodeAt(lt + 1) <= 32 || s.charCodeAt(gt - 1) <= 32) {
      throw new SipParseError(code, 'whitespace inside <addr-spec>');
    }
    uriOrThrow(s, lt + 1, gt, out, code);
    params(s, gt + 1, n, out, code);
    return;
  }
  // addr-spec: header parameters start at the first ';' (URI parameters would need <>)
  let e = i;
  while (e < n) {
    const d = s.charCodeAt(e);
    if (d === 59 || d === 32 || d === 9) break;
    if (d === 44 || d === 63) throw new SipParseError(code, "URI with ',' or '?' must be enclosed in <>");
    e++;
  }
  uriOrThrow(s, i, e, out, code);
  params(s, e, n, out, code);
}

/** Parses a comma-separated list of name-addr values (Contact, Route, Record-Route…). */
export function parseNameAddrList(values: string[], code: SipErrorCode, allowStar = false): NameAddr[] {
  const out: NameAddr[] = [];
  for (const v of values) {
    if (v.indexOf(',') < 0) {
      // what splitTopLevel would give for a single element: the trimmed value, if any
      const t = v.trim();
      if (t.length > 0) out.push(parseNameAddr(t, code, allowStar));
    } else {
      for (const part of splitTopLevel(v)) out.push(parseNameAddr(part, code, allowStar));
    }
  }
  return out;
}

/** Checks a name-addr list field value like parseNameAddrList does, building nothing. */
export function checkNameAddrList(v: string, code: SipErrorCode, allowStar = false): void {
  if (v.indexOf(',') < 0) {
    const t = v.trim();
    if (t.length > 0) scanNameAddr(t, 0, t.length, null, code, allowStar);
  } else {
    for (const part of splitTopLevel(v)) scanNameAddr(part, 0, part.length, null, code, allowStar);
  }
}

export function formatNameAddr(a: NameAddr): string {
  if (a.star) return `*${formatParams(a.params)}`;
  const dn = a.displayName !== undefined && a.displayName.length > 0 ? `${quote(a.displayName)} ` : '';
  return `${dn}<${formatUri(a.uri)}>${formatParams(a.params)}`;
}

/** Header-parameter value without quotes (e.g. +sip.instance="<urn:…>"). */
export function paramValue(params: Map<string, string | null>, name: string): string | undefined {
  const v = params.get(name);
  return v === null || v === undefined ? undefined : unquote(v);
}
