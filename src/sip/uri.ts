// SIP/SIPS/tel URI parsing and formatting. RFC 3261 §19.1 (SIP-URI), §25.1 (grammar), RFC 3966 (tel).
// User, password and header values are unescaped on parse and re-escaped on format; other schemes
// (absoluteURI) are kept opaque so they round-trip unchanged.
import { SipParseError } from './errors.ts';
import { paramName } from './headers/scan.ts';

export interface SipUri {
  scheme: string; // 'sip' | 'sips' | 'tel' | other (lower-case)
  user?: string; // unescaped; for tel: the number
  password?: string;
  host: string; // IPv6 without brackets; domains lower-case; '' for tel and opaque URIs
  port?: number;
  params: Map<string, string | null>; // uri-parameters, names lower-case, null = flag (;lr)
  headers: Map<string, string>; // ?h=v (values unescaped)
  /** Everything after "scheme:" for schemes other than sip/sips/tel (absoluteURI, kept raw). */
  opaque?: string;
}

function cls(chars: string): Uint8Array {
  const t = new Uint8Array(128);
  for (let c = 48; c <= 57; c++) t[c] = 1;
  for (let c = 65; c <= 90; c++) t[c] = 1;
  for (let c = 97; c <= 122; c++) t[c] = 1;
  for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)] = 1;
  return t;
}
const UNRESERVED = "-_.!~*'()";
// RFC 3261 §25.1: user = 1*( unreserved / escaped / user-unreserved ); '#' accepted on input (common in
// the wild for feature codes) but escaped on output.
const USER_OUT = cls(`${UNRESERVED}&=+$,;?/`);
const USER_IN = cls(`${UNRESERVED}&=+$,;?/#%`);
const PASSWORD_OUT = cls(`${UNRESERVED}&=+$,`);
const PASSWORD_IN = cls(`${UNRESERVED}&=+$,%`);
const HOST = cls('-._');
// paramchar = param-unreserved / unreserved / escaped; param-unreserved = "[" / "]" / "/" / ":" / "&" / "+" / "$"
const PARAM = cls(`${UNRESERVED}[]/:&+$%`);
// hnv-unreserved = "[" / "]" / "/" / "?" / ":" / "+" / "$"
const HNV_OUT = cls(`${UNRESERVED}[]/?:+$`);
const HNV_IN = cls(`${UNRESERVED}[]/?:+$%`);
const SCHEME = cls('+-.');
const TEL = cls(`${UNRESERVED}[]/:&+$%=`);
const TEL_OUT = cls(`${UNRESERVED}[]/:&+$=`);

function hex(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

function checkChars(s: string, a: number, b: number, allowed: Uint8Array, what: string): void {
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || allowed[c] !== 1) {
      throw new SipParseError('SIP_ERR_BAD_URI', `invalid character ${JSON.stringify(s[i])} in ${what}`);
    }
  }
}

/** RFC 3261 §19.1.2 escaped = "%" HEXDIG HEXDIG; decoded as UTF-8 when valid, else byte-wise (latin1). */
export function unescapeUri(s: string): string {
  if (s.indexOf('%') < 0) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 37 && i + 2 < s.length && hex(s.charCodeAt(i + 1)) >= 0 && hex(s.charCodeAt(i + 2)) >= 0) {
      bytes.push(hex(s.charCodeAt(i + 1)) * 16 + hex(s.charCodeAt(i + 2)));
      i += 2;
    } else if (c < 128) {
      bytes.push(c); // a '%' that is not an escape is taken literally (lenient)
    } else {
      for (const b of Buffer.from(s[i] ?? '', 'utf8')) bytes.push(b);
    }
  }
  const buf = Buffer.from(bytes);
  const utf8 = buf.toString('utf8');
  return Buffer.byteLength(utf8) === buf.length && !utf8.includes('\uFFFD') ? utf8 : buf.toString('latin1');
}

export function escapeUri(s: string, allowed: Uint8Array): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 128 && allowed[c] === 1) {
      out += s[i];
    } else {
      const cp = s.codePointAt(i) ?? c;
      const ch = String.fromCodePoint(cp);
      if (ch.length === 2) i++;
      for (const b of Buffer.from(ch, 'utf8')) out += `%${b < 16 ? '0' : ''}${b.toString(16).toUpperCase()}`;
    }
  }
  return out;
}

function bad(detail: string): SipParseError {
  return new SipParseError('SIP_ERR_BAD_URI', detail);
}

function indexIn(s: string, ch: string, from: number, to: number): number {
  const i = s.indexOf(ch, from);
  return i >= to ? -1 : i;
}

/** hostport in s[a..b) (RFC 3261 §25.1). */
function scanHostPort(s: string, a: number, b: number, uri: SipUri | null): void {
  let i = a;
  if (a < b && s.charCodeAt(a) === 91 /* [ */) {
    const e = indexIn(s, ']', a, b);
    if (e < 0) throw bad('unterminated IPv6 reference');
    for (let k = a + 1; k < e; k++) {
      const c = s.charCodeAt(k);
      if (!(hex(c) >= 0 || c === 58 || c === 46)) throw bad('bad IPv6 reference');
    }
    if (e - a - 1 < 2) throw bad('bad IPv6 reference');
    if (uri !== null) uri.host = s.slice(a + 1, e).toLowerCase();
    i = e + 1;
  } else {
    while (i < b && s.charCodeAt(i) !== 58) i++;
    if (i === a) throw bad('empty host');
    checkChars(s, a, i, HOST, 'host');
    if (uri !== null) uri.host = s.slice(a, i).toLowerCase();
  }
  if (i < b) {
    if (s.charCodeAt(i) !== 58) throw bad('junk after host');
    const ps = i + 1;
    if (b - ps === 0 || b - ps > 5) throw bad('bad port');
    let port = 0;
    for (let k = ps; k < b; k++) {
      const d = s.charCodeAt(k) - 48;
      if (d < 0 || d > 9) throw bad('bad port');
      port = port * 10 + d;
    }
    if (port === 0 || port > 65535) throw bad('port out of range'); // 0 names no port anything can be sent to
    if (uri !== null) uri.port = port;
  }
}

/** uri-parameters in s[a..b): the part after the first ';' (RFC 3261 §19.1.1). */
function scanUriParams(s: string, a: number, b: number, params: Map<string, string | null> | null): void {
  let ps = a;
  for (;;) {
    let pe = indexIn(s, ';', ps, b);
    if (pe < 0) pe = b;
    if (pe === ps) throw bad('empty URI parameter');
    const eq = indexIn(s, '=', ps, pe);
    const ne = eq < 0 ? pe : eq;
    if (ne === ps) throw bad('empty URI parameter name');
    checkChars(s, ps, ne, PARAM, 'URI parameter');
    if (eq >= 0) checkChars(s, eq + 1, pe, PARAM, 'URI parameter value');
    if (params !== null) params.set(s.slice(ps, ne).toLowerCase(), eq < 0 ? null : s.slice(eq + 1, pe));
    if (pe >= b) return;
    ps = pe + 1;
  }
}

/** headers in s[a..b): the part after '?' (RFC 3261 §19.1.1). */
function scanUriHeaders(s: string, a: number, b: number, headers: Map<string, string> | null): void {
  let hs = a;
  for (;;) {
    let he = indexIn(s, '&', hs, b);
    if (he < 0) he = b;
    const eq = indexIn(s, '=', hs, he);
    if (eq <= hs) throw bad('bad URI header');
    checkChars(s, hs, eq, HNV_IN, 'URI header name');
    checkChars(s, eq + 1, he, HNV_IN, 'URI header value');
    if (headers !== null) headers.set(unescapeUri(s.slice(hs, eq)), unescapeUri(s.slice(eq + 1, he)));
    if (he >= b) return;
    hs = he + 1;
  }
}

/** scanUri result flag: the URI carries ?headers. */
export const URI_HAS_HEADERS = 1;

/**
 * Scans the URI in s[a..b). With uri === null it only checks (same acceptance as parseUri, nothing
 * allocated on success); otherwise it fills uri. Returns flags (URI_HAS_HEADERS). Throws SipParseError
 * (SIP_ERR_BAD_URI). Check first, build on demand: the parser validates Request-URI, From, To and
 * Contact this way and builds the objects when they are read.
 */
export function scanUri(s: string, a: number, b: number, uri: SipUri | null): number {
  // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (RFC 3261 §25.1)
  let colon = a;
  while (colon < b) {
    const c = s.charCodeAt(colon);
    if (c === 58) break;
    if (c >= 128 || SCHEME[c] !== 1) {
      colon = b;
      break;
    }
    colon++;
  }
  if (colon >= b) colon = indexIn(s, ':', a, b); // not a plain scheme: let the checks below name the fault
  if (colon <= a) throw bad('missing scheme');
  const c0 = s.charCodeAt(a) | 0x20;
  if (!(c0 >= 97 && c0 <= 122)) throw bad('bad scheme');
  checkChars(s, a, colon, SCHEME, 'scheme');
  const r = colon + 1;
  const kind = schemeKind(s, a, colon);
  if (uri !== null) uri.scheme = kind === 1 ? 'sip' : kind === 2 ? 'sips' : kind === 3 ? 'tel' : s.slice(a, colon).toLowerCase();
  if (kind === 1 || kind === 2) return scanSipRest(s, r, b, uri);
  if (kind === 3) {
    // RFC 3966 §3: telephone-subscriber *( ";" par )
    checkChars(s, r, b, TEL, 'tel URI');
    const semi = indexIn(s, ';', r, b);
    const ne = semi < 0 ? b : semi;
    if (ne === r) throw bad('empty telephone number');
    if (uri !== null) uri.user = unescapeUri(s.slice(r, ne));
    if (semi >= 0) scanUriParams(s, semi + 1, b, uri === null ? null : uri.params);
    return 0;
  }
  // absoluteURI (RFC 3261 §25.1): kept opaque; must not contain whitespace or controls
  for (let i = r; i < b; i++) {
    const c = s.charCodeAt(i);
    if (c <= 32 || c === 127 || c === 60 || c === 62 || c === 34) throw bad('invalid character in URI');
  }
  if (r === b) throw bad('empty URI');
  if (uri !== null) uri.opaque = s.slice(r, b);
  return 0;
}

/** Scheme of s[a..colon): 1 sip, 2 sips, 3 tel, 0 other (case-insensitive). */
function schemeKind(s: string, a: number, colon: number): number {
  const n = colon - a;
  if (n < 3 || n > 4) return 0;
  const c0 = s.charCodeAt(a) | 0x20;
  const c1 = s.charCodeAt(a + 1) | 0x20;
  const c2 = s.charCodeAt(a + 2) | 0x20;
  if (c0 === 115 && c1 === 105 && c2 === 112) {
    if (n === 3) return 1;
    return (s.charCodeAt(a + 3) | 0x20) === 115 ? 2 : 0;
  }
  return n === 3 && c0 === 116 && c1 === 101 && c2 === 108 ? 3 : 0;
}

function invalid(s: string, i: number, what: string): SipParseError {
  return bad(`invalid character ${JSON.stringify(s[i])} in ${what}`);
}

/**
 * The part after "sip:" / "sips:" in s[r..b), in one pass (RFC 3261 §19.1.1, §25.1):
 * [ userinfo "@" ] hostport [ ";" uri-parameters ] [ "?" headers ]. userinfo is what precedes the
 * first '@'; it is checked on the way with the user/password classes, its faults reported only if an
 * '@' does follow.
 */
function scanSipRest(s: string, r: number, b: number, uri: SipUri | null): number {
  let hostStart = r;
  let i = r;
  let pc = -1;
  let badUser = -1;
  let badPw = -1;
  for (; i < b; i++) {
    const c = s.charCodeAt(i);
    if (c === 64 /* @ */) break;
    if (pc < 0) {
      if (c === 58) pc = i;
      else if (badUser < 0 && (c >= 128 || USER_IN[c] !== 1)) badUser = i;
    } else if (badPw < 0 && (c >= 128 || PASSWORD_IN[c] !== 1)) badPw = i;
  }
  if (i < b) {
    const ue = pc < 0 ? i : pc;
    if (ue === r) throw bad('empty user part');
    if (badUser >= 0) throw invalid(s, badUser, 'user part');
    if (badPw >= 0) throw invalid(s, badPw, 'password');
    if (uri !== null) {
      uri.user = unescapeUri(s.slice(r, ue));
      if (pc >= 0) uri.password = unescapeUri(s.slice(pc + 1, i));
    }
    hostStart = i + 1;
  }
  i = hostStart;
  if (i < b && s.charCodeAt(i) === 91 /* [ */) {
    // IPv6reference: hostport ends at ';' or '?' (neither appears in an IPv6 reference)
    while (i < b) {
      const c = s.charCodeAt(i);
      if (c === 59 || c === 63) break;
      i++;
    }
    scanHostPort(s, hostStart, i, uri);
  } else {
    for (; i < b; i++) {
      const c = s.charCodeAt(i);
      if (c === 58 || c === 59 || c === 63) break;
      if (c >= 128 || HOST[c] !== 1) throw invalid(s, i, 'host');
    }
    if (i === hostStart) throw bad('empty host');
    if (uri !== null) uri.host = s.slice(hostStart, i).toLowerCase();
    if (i < b && s.charCodeAt(i) === 58) {
      const ps = ++i;
      let port = 0;
      for (; i < b; i++) {
        const c = s.charCodeAt(i);
        if (c === 59 || c === 63) break;
        const d = c - 48;
        if (d < 0 || d > 9) throw bad('bad port');
        port = port * 10 + d;
      }
      if (i === ps || i - ps > 5) throw bad('bad port');
      if (port === 0 || port > 65535) throw bad('port out of range'); // 0 names no port anything can be sent to
      if (uri !== null) uri.port = port;
    }
  }
  if (i >= b) return 0;
  if (s.charCodeAt(i) === 59) {
    // uri-parameters: each ";" pname [ "=" pvalue ], up to '?' (RFC 3261 §19.1.1)
    i++;
    for (;;) {
      const ps = i;
      let c = -1;
      while (i < b) {
        c = s.charCodeAt(i);
        if (c === 59 || c === 61 || c === 63) break;
        if (c >= 128 || PARAM[c] !== 1) throw invalid(s, i, 'URI parameter');
        i++;
      }
      const eq = i < b && c === 61;
      if (i === ps) throw bad(eq ? 'empty URI parameter name' : 'empty URI parameter');
      const ne = i;
      let vs = -1;
      if (eq) {
        vs = ++i;
        while (i < b) {
          c = s.charCodeAt(i);
          if (c === 59 || c === 63) break;
          if (c >= 128 || PARAM[c] !== 1) throw invalid(s, i, 'URI parameter value');
          i++;
        }
      }
      if (uri !== null) uri.params.set(paramName(s, ps, ne), vs < 0 ? null : s.slice(vs, i));
      if (i >= b || s.charCodeAt(i) === 63) break;
      i++; // ';'
    }
    if (i >= b) return 0;
  }
  // s[i] === '?'
  scanUriHeaders(s, i + 1, b, uri === null ? null : uri.headers);
  return URI_HAS_HEADERS;
}

/** Parses a URI. Throws SipParseError (SIP_ERR_BAD_URI) on malformed input. */
export function parseUri(s: string): SipUri {
  return parseUriRange(s, 0, s.length);
}

/** Parses the URI in s[a..b) into a new SipUri. */
export function parseUriRange(s: string, a: number, b: number): SipUri {
  const uri: SipUri = { scheme: '', host: '', params: new Map(), headers: new Map() };
  scanUri(s, a, b, uri);
  return uri;
}

export function formatHost(host: string): string {
  return host.indexOf(':') >= 0 ? `[${host}]` : host;
}

export function formatUri(u: SipUri): string {
  if (u.opaque !== undefined && u.scheme !== 'sip' && u.scheme !== 'sips' && u.scheme !== 'tel') {
    return `${u.scheme}:${u.opaque}`;
  }
  let out = `${u.scheme}:`;
  if (u.scheme === 'tel') {
    out += escapeUri(u.user ?? '', TEL_OUT);
  } else {
    if (u.user !== undefined && u.user.length > 0) {
      out += escapeUri(u.user, USER_OUT);
      if (u.password !== undefined) out += `:${escapeUri(u.password, PASSWORD_OUT)}`;
      out += '@';
    }
    out += formatHost(u.host);
    if (u.port !== undefined) out += `:${u.port}`;
  }
  for (const [k, v] of u.params) out += v === null ? `;${k}` : `;${k}=${v}`;
  let first = true;
  for (const [k, v] of u.headers) {
    out += `${first ? '?' : '&'}${escapeUri(k, HNV_OUT)}=${escapeUri(v, HNV_OUT)}`;
    first = false;
  }
  return out;
}

export function cloneUri(u: SipUri): SipUri {
  const c: SipUri = { ...u, params: new Map(u.params), headers: new Map(u.headers) };
  return c;
}
