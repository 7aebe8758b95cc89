// name-addr / addr-spec values (From, To, Contact, Route, Record-Route, Refer-To, P-Asserted-Identity…).
// RFC 3261 §20.10 (Contact: '<>' required when the URI has ',', '?' or ';'), §25.1 name-addr grammar.
import { SipParseError, type SipErrorCode } from '../errors.ts';
import { formatUri, parseUri, type SipUri } from '../uri.ts';
import { endOfQuoted, formatParams, isToken, parseParams, quote, skipWs, splitTopLevel, unquote } from './scan.ts';

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

function uriOrThrow(s: string, code: SipErrorCode): SipUri {
  try {
    return parseUri(s);
  } catch (e) {
    if (e instanceof SipParseError) throw new SipParseError(code, e.message);
    throw e;
  }
}

/** Parses one name-addr / addr-spec with its header parameters. */
export function parseNameAddr(s: string, code: SipErrorCode = 'SIP_ERR_BAD_NAME_ADDR', allowStar = false): NameAddr {
  let i = skipWs(s, 0);
  const n = s.length;
  const out: NameAddr = { uri: STAR_URI, params: new Map() };
  if (i >= n) throw new SipParseError(code, 'empty value');
  const c = s.charCodeAt(i);
  if (c === 42 /* * */ && allowStar) {
    out.star = true;
    parseParams(s, skipWs(s, i + 1), out.params, code);
    return out;
  }
  let lt = -1;
  if (c === 34 /* " */) {
    const e = endOfQuoted(s, i);
    if (e < 0) throw new SipParseError('SIP_ERR_BAD_QUOTED_STRING', 'display name', { reason: 'Unterminated Quoted String' });
    out.displayName = unquote(s.slice(i, e));
    i = skipWs(s, e);
    if (s.charCodeAt(i) !== 60) throw new SipParseError(code, "expected '<' after display name");
    lt = i;
  } else if (c === 60) {
    lt = i;
  } else {
    // name-addr with a token display name, or addr-spec: a '<' preceded only by tokens and LWS
    const p = s.indexOf('<', i);
    if (p >= 0) {
      const prefix = s.slice(i, p);
      if (prefix.indexOf(':') < 0 && prefix.indexOf(';') < 0) {
        // RFC 3261 §25.1: display-name = *(token LWS) / quoted-string
        const words = prefix.trim().split(/[ \t]+/);
        for (const w of words) {
          if (!isToken(w)) throw new SipParseError(code, 'non-token characters in unquoted display name');
        }
        const dn = words.join(' ');
        if (dn.length > 0) out.displayName = dn;
        lt = p;
      }
    }
  }
  if (lt >= 0) {
    const gt = s.indexOf('>', lt + 1);
    if (gt < 0) throw new SipParseError(code, "missing '>'");
    const inner = s.slice(lt + 1, gt);
    if (inner.length === 0 || inner.charCodeAt(0) <= 32 || inner.charCodeAt(inner.length - 1) <= 32) {
      throw new SipParseError(code, 'whitespace inside <addr-spec>');
    }
    out.uri = uriOrThrow(inner, code);
    parseParams(s, gt + 1, out.params, code);
    return out;
  }
  // addr-spec: header parameters start at the first ';' (URI parameters would need <>)
  let e = i;
  while (e < n) {
    const d = s.charCodeAt(e);
    if (d === 59 || d === 32 || d === 9) break;
    if (d === 44 || d === 63) throw new SipParseError(code, "URI with ',' or '?' must be enclosed in <>");
    e++;
  }
  out.uri = uriOrThrow(s.slice(i, e), code);
  parseParams(s, e, out.params, code);
  return out;
}

/** Parses a comma-separated list of name-addr values (Contact, Route, Record-Route…). */
export function parseNameAddrList(values: string[], code: SipErrorCode, allowStar = false): NameAddr[] {
  const out: NameAddr[] = [];
  for (const v of values) for (const part of splitTopLevel(v)) out.push(parseNameAddr(part, code, allowStar));
  return out;
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
