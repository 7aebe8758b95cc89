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
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13 && c !== 10) break;
    i++;
  }
  return i;
}

/** Index just past the quoted-string starting at s[i] === '"'; -1 when unterminated. RFC 3261 §25.1 quoted-pair. */
export function endOfQuoted(s: string, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
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
 * Parses `*( SEMI generic-param )` starting at s[i] (which must be ';' or end). Names are lower-cased;
 * values kept raw (quoted strings keep their quotes so they round-trip). Returns the index after the
 * list (end of string, or a top-level ',' when stopAtComma). RFC 3261 §25.1 generic-param.
 */
export function parseParams(
  s: string, i: number, params: Params, code: SipErrorCode, stopAtComma = false,
): number {
  const n = s.length;
  i = skipWs(s, i);
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 44 && stopAtComma) return i;
    if (c !== 59 /* ; */) throw new SipParseError(code, `unexpected '${s[i]}' in parameters`);
    i = skipWs(s, i + 1);
    const ns = i;
    while (i < n) {
      const d = s.charCodeAt(i);
      if (d >= 128 || TOKEN[d] !== 1) break;
      i++;
    }
    if (i === ns) throw new SipParseError(code, 'empty parameter name');
    const name = s.slice(ns, i).toLowerCase();
    i = skipWs(s, i);
    let value: string | null = null;
    if (i < n && s.charCodeAt(i) === 61 /* = */) {
      i = skipWs(s, i + 1);
      const vs = i;
      if (i < n && s.charCodeAt(i) === 34) {
        const e = endOfQuoted(s, i);
        if (e < 0) throw new SipParseError('SIP_ERR_BAD_QUOTED_STRING', `parameter ${name}`);
        i = e;
      } else if (i < n && s.charCodeAt(i) === 91 /* [ */) {
        const e = s.indexOf(']', i);
        if (e < 0) throw new SipParseError(code, `unterminated IPv6 reference in ${name}`);
        i = e + 1;
      } else {
        while (i < n) {
          const d = s.charCodeAt(i);
          // token plus ':' '/' '@' '[' ']' seen in the wild (e.g. +sip.instance, received=IPv6)
          if (d >= 128 ? false : TOKEN[d] === 1 || d === 58 || d === 47 || d === 64) i++;
          else break;
        }
      }
      if (i === vs) throw new SipParseError(code, `empty value for parameter ${name}`);
      value = s.slice(vs, i);
      i = skipWs(s, i);
    }
    params.set(name, value);
  }
  return i;
}

export function formatParams(params: Params): string {
  let out = '';
  for (const [k, v] of params) out += v === null ? `;${k}` : `;${k}=${v}`;
  return out;
}
