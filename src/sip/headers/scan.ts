// Character classes and small scanners shared by the header-value parsers (RFC 3261 §25.1 grammar).
import { SipParseError, type SipErrorCode } from '../errors.ts';

function table(chars: string, alnum: boolean): Uint8Array {
  const t = new Uint8Array(128);
  if (alnum) {
    for (let c = 48; c <= 57; c++) t[c] = 1;
    for (let c = 65; c <= 90; c++) t[c] = 1;
    for (let c = 97; c <= 122; c++) t[c] = 1;
  }
  for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)] = 1;
  return t;
}

// token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")
export const TOKEN = table("-.!%*_+`'~", true);
// word adds separators allowed in Call-ID: "(" / ")" / "<" / ">" / ":" / "\" / DQUOTE / "/" / "[" / "]" / "?" / "{" / "}"
export const WORD = table("-.!%*_+`'~()<>:\\\"/[]?{}", true);

export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || TOKEN[c] !== 1) return false;
  }
  return true;
}

export function isWsp(c: number): boolean {
  return c === 32 || c === 9;
}

/** Index of the first non-whitespace char at or after i (header values are already unfolded). */
export function skipWs(s: string, i: number): number {
  return skipWsTo(s, i, s.length);
}

/** skipWs bounded by end. */
export function skipWsTo(s: string, i: number, end: number): number {
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13 && c !== 10) break;
    i++;
  }
  return i;
}

/** Index just past the quoted-string starting at s[i] === '"'; -1 when unterminated. RFC 3261 §25.1 quoted-pair. */
export function endOfQuoted(s: string, i: number): number {
  return endOfQuotedTo(s, i, s.length);
}

/** endOfQuoted bounded by end. */
export function endOfQuotedTo(s: string, i: number, end: number): number {
  for (let j = i + 1; j < end; j++) {
    const c = s.charCodeAt(j);
    if (c === 92 /* \ */) j++;
    else if (c === 34 /* " */) return j + 1;
  }
  return -1;
}

/** Removes the surrounding quotes and quoted-pair escapes. Non-quoted input is returned as is. */
export function unquote(s: string): string {
  if (s.length < 2 || s.charCodeAt(0) !== 34 || s.charCodeAt(s.length - 1) !== 34) return s;
  const inner = s.slice(1, -1);
  return inner.indexOf('\\') < 0 ? inner : inner.replace(/\\(.)/gs, '$1');
}

export function quote(s: string): string {
  return `"${s.replace(/(["\\])/g, '\\$1')}"`;
}

/**
 * Splits a header value on top-level commas (not inside quoted strings or <...>). Empty
 * elements are dropped (RFC 7230-style leniency: `a,,b`); the caller validates each element.
 */
export function splitTopLevel(s: string, sep = 44 /* , */): string[] {
  const out: string[] = [];
  let start = 0;
  let angle = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 34) {
      const e = endOfQuoted(s, i);
      if (e < 0) break; // unterminated: rest is one element; the element parser reports it
      i = e - 1;
    } else if (c === 60 /* < */) angle = true;
    else if (c === 62 /* > */) angle = false;
    else if (c === sep && !angle) {
      const part = s.slice(start, i).trim();
      if (part.length > 0) out.push(part);
      start = i + 1;
    }
  }
  const last = s.slice(start).trim();
  if (last.length > 0) out.push(last);
  return out;
}

export type Params = Map<string, string | null>;

/**
 * Set by parseParams when given a `watch` name (lower-case): -1 the parameter did not occur, 0 its last
 * occurrence had no value, 1 it had one (then s[vs..ve) is the value). Lets check-only scans (params === null) answer "is ;branch
 * valued?" without building the Map. Parsing is synchronous, so module state is safe.
 */
export const paramWatch = { state: -1, vs: -1, ve: -1 };

// Common parameter names (RFC 3261 §19.1.1, §20), shared instead of sliced and lower-cased each time.
const PARAM_NAMES_BY_LEN: string[][] = [];
for (const n of ['tag', 'branch', 'lr', 'rport', 'received', 'transport', 'expires', 'q', 'user', 'maddr', 'ttl',
  'method', 'ob', 'reg-id', '+sip.instance']) {
  while (PARAM_NAMES_BY_LEN.length <= n.length) PARAM_NAMES_BY_LEN.push([]);
  (PARAM_NAMES_BY_LEN[n.length] as string[]).push(n);
}

/** Lower-cased parameter name s[from..to) (a shared constant for the common ones). */
export function paramName(s: string, from: number, to: number): string {
  const list = PARAM_NAMES_BY_LEN[to - from];
  if (list !== undefined) for (const n of list) if (nameIs(s, from, to, n)) return n;
  return s.slice(from, to).toLowerCase();
}

function nameIs(s: string, from: number, to: number, lower: string): boolean {
  if (to - from !== lower.length) return false;
  for (let k = 0; k < lower.length; k++) {
    let c = s.charCodeAt(from + k);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== lower.charCodeAt(k)) return false;
  }
  return true;
}

/**
 * Parses `*( SEMI generic-param )` in s[i..end) (s[i] must be ';' or the end). Names are lower-cased;
 * values kept raw (quoted strings keep their quotes so they round-trip). With params === null the text
 * is only checked (same acceptance, nothing allocated). Returns the index after the list (end, or a
 * top-level ',' when stopAtComma). RFC 3261 §25.1 generic-param.
 */
export function parseParams(
  s: string, i: number, params: Params | null, code: SipErrorCode, stopAtComma = false, end = s.length,
  watch?: string,
): number {
  const n = end;
  if (watch !== undefined) paramWatch.state = -1;
  i = skipWsTo(s, i, n);
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 44 && stopAtComma) return i;
    if (c !== 59 /* ; */) throw new SipParseError(code, `unexpected '${s[i]}' in parameters`);
    i = skipWsTo(s, i + 1, n);
    const ns = i;
    while (i < n) {
      const d = s.charCodeAt(i);
      if (d >= 128 || TOKEN[d] !== 1) break;
      i++;
    }
    if (i === ns) throw new SipParseError(code, 'empty parameter name');
    const ne = i;
    i = skipWsTo(s, i, n);
    let vs = -1;
    let ve = -1;
    if (i < n && s.charCodeAt(i) === 61 /* = */) {
      i = skipWsTo(s, i + 1, n);
      vs = i;
      if (i < n && s.charCodeAt(i) === 34) {
        const e = endOfQuotedTo(s, i, n);
        if (e < 0) throw new SipParseError('SIP_ERR_BAD_QUOTED_STRING', `parameter ${s.slice(ns, ne).toLowerCase()}`);
        i = e;
      } else if (i < n && s.charCodeAt(i) === 91 /* [ */) {
        const e = s.indexOf(']', i);
        if (e < 0 || e >= n) throw new SipParseError(code, `unterminated IPv6 reference in ${s.slice(ns, ne).toLowerCase()}`);
        i = e + 1;
      } else {
        while (i < n) {
          const d = s.charCodeAt(i);
          // token plus ':' '/' '@' '[' ']' seen in the wild (e.g. +sip.instance, received=IPv6)
          if (d >= 128 ? false : TOKEN[d] === 1 || d === 58 || d === 47 || d === 64) i++;
          else break;
        }
      }
      if (i === vs) throw new SipParseError(code, `empty value for parameter ${s.slice(ns, ne).toLowerCase()}`);
      ve = i;
      i = skipWsTo(s, i, n);
    }
    if (params !== null) params.set(paramName(s, ns, ne), vs < 0 ? null : s.slice(vs, ve));
    if (watch !== undefined && nameIs(s, ns, ne, watch)) {
      paramWatch.state = vs < 0 ? 0 : 1;
      paramWatch.vs = vs;
      paramWatch.ve = ve;
    }
  }
  return i;
}

export function formatParams(params: Params): string {
  let out = '';
  for (const [k, v] of params) out += v === null ? `;${k}` : `;${k}=${v}`;
  return out;
}
