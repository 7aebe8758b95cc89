// SIP/SIPS/tel URI parsing and formatting. RFC 3261 §19.1 (SIP-URI), §25.1 (grammar), RFC 3966 (tel).
// User, password and header values are unescaped on parse and re-escaped on format; other schemes
// (absoluteURI) are kept opaque so they round-trip unchanged.
import { SipParseError, type SipErrorCode } from './errors.ts';

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

function checkChars(s: string, allowed: Uint8Array, what: string): void {
  for (let i = 0; i < s.length; i++) {
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

function parseHostPort(s: string, uri: SipUri, code: SipErrorCode): void {
  let i = 0;
  if (s.charCodeAt(0) === 91 /* [ */) {
    const e = s.indexOf(']');
    if (e < 0) throw new SipParseError(code, 'unterminated IPv6 reference');
    const h = s.slice(1, e);
    for (let k = 0; k < h.length; k++) {
      const c = h.charCodeAt(k);
      if (!(hex(c) >= 0 || c === 58 || c === 46)) throw new SipParseError(code, 'bad IPv6 reference');
    }
    if (h.length < 2) throw new SipParseError(code, 'bad IPv6 reference');
    uri.host = h.toLowerCase();
    i = e + 1;
  } else {
    while (i < s.length && s.charCodeAt(i) !== 58) i++;
    const h = s.slice(0, i);
    if (h.length === 0) throw new SipParseError(code, 'empty host');
    checkChars(h, HOST, 'host');
    uri.host = h.toLowerCase();
  }
  if (i < s.length) {
    if (s.charCodeAt(i) !== 58) throw new SipParseError(code, 'junk after host');
    const p = s.slice(i + 1);
    if (p.length === 0 || p.length > 5) throw new SipParseError(code, 'bad port');
    let port = 0;
    for (let k = 0; k < p.length; k++) {
      const d = p.charCodeAt(k) - 48;
      if (d < 0 || d > 9) throw new SipParseError(code, 'bad port');
      port = port * 10 + d;
    }
    if (port > 65535) throw new SipParseError(code, 'port out of range');
    uri.port = port;
  }
}

function parseUriParams(s: string, params: Map<string, string | null>): void {
  // s: the part after the first ';' of the params section (without '?headers')
  for (const p of s.split(';')) {
    if (p.length === 0) throw new SipParseError('SIP_ERR_BAD_URI', 'empty URI parameter');
    const eq = p.indexOf('=');
    const name = eq < 0 ? p : p.slice(0, eq);
    const value = eq < 0 ? null : p.slice(eq + 1);
    if (name.length === 0) throw new SipParseError('SIP_ERR_BAD_URI', 'empty URI parameter name');
    checkChars(name, PARAM, 'URI parameter');
    if (value !== null) checkChars(value, PARAM, 'URI parameter value');
    params.set(name.toLowerCase(), value);
  }
}

function parseUriHeaders(s: string, headers: Map<string, string>): void {
  for (const h of s.split('&')) {
    const eq = h.indexOf('=');
    if (eq <= 0) throw new SipParseError('SIP_ERR_BAD_URI', 'bad URI header');
    const name = h.slice(0, eq);
    const value = h.slice(eq + 1);
    checkChars(name, HNV_IN, 'URI header name');
    checkChars(value, HNV_IN, 'URI header value');
    headers.set(unescapeUri(name), unescapeUri(value));
  }
}

/** Parses a URI. Throws SipParseError (SIP_ERR_BAD_URI) on malformed input. */
export function parseUri(s: string): SipUri {
  const colon = s.indexOf(':');
  if (colon <= 0) throw new SipParseError('SIP_ERR_BAD_URI', 'missing scheme');
  const scheme = s.slice(0, colon).toLowerCase();
  const c0 = scheme.charCodeAt(0);
  if (!((c0 >= 97 && c0 <= 122))) throw new SipParseError('SIP_ERR_BAD_URI', 'bad scheme');
  checkChars(scheme, SCHEME, 'scheme');
  const rest = s.slice(colon + 1);
  const uri: SipUri = { scheme, host: '', params: new Map(), headers: new Map() };
  if (scheme === 'sip' || scheme === 'sips') {
    parseSipRest(rest, uri);
  } else if (scheme === 'tel') {
    // RFC 3966 §3: telephone-subscriber *( ";" par )
    checkChars(rest, TEL, 'tel URI');
    const semi = rest.indexOf(';');
    const num = semi < 0 ? rest : rest.slice(0, semi);
    if (num.length === 0) throw new SipParseError('SIP_ERR_BAD_URI', 'empty telephone number');
    uri.user = unescapeUri(num);
    if (semi >= 0) parseUriParams(rest.slice(semi + 1), uri.params);
  } else {
    // absoluteURI (RFC 3261 §25.1): kept opaque; must not contain whitespace or controls
    for (let i = 0; i < rest.length; i++) {
      const c = rest.charCodeAt(i);
      if (c <= 32 || c === 127 || c === 60 || c === 62 || c === 34) {
        throw new SipParseError('SIP_ERR_BAD_URI', 'invalid character in URI');
      }
    }
    if (rest.length === 0) throw new SipParseError('SIP_ERR_BAD_URI', 'empty URI');
    uri.opaque = rest;
  }
  return uri;
}

function parseSipRest(rest: string, uri: SipUri): void {
  let hostStart = 0;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    const pc = userinfo.indexOf(':');
    const user = pc < 0 ? userinfo : userinfo.slice(0, pc);
    if (user.length === 0) throw new SipParseError('SIP_ERR_BAD_URI', 'empty user part');
    checkChars(user, USER_IN, 'user part');
    uri.user = unescapeUri(user);
    if (pc >= 0) {
      const pw = userinfo.slice(pc + 1);
      checkChars(pw, PASSWORD_IN, 'password');
      uri.password = unescapeUri(pw);
    }
    hostStart = at + 1;
  }
  // hostport ends at ';' or '?' (neither appears in an IPv6 reference)
  let end = hostStart;
  while (end < rest.length) {
    const c = rest.charCodeAt(end);
    if (c === 59 || c === 63) break;
    end++;
  }
  parseHostPort(rest.slice(hostStart, end), uri, 'SIP_ERR_BAD_URI');
  if (end >= rest.length) return;
  const q = rest.indexOf('?', end);
  if (rest.charCodeAt(end) === 59) parseUriParams(rest.slice(end + 1, q < 0 ? undefined : q), uri.params);
  if (q >= 0) parseUriHeaders(rest.slice(q + 1), uri.headers);
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
