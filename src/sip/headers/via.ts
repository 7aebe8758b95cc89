// Via header values. RFC 3261 §20.42, §25.1 (via-parm = sent-protocol LWS sent-by *( SEMI via-params )),
// RFC 3581 (rport flag), LWS allowed around '/' in sent-protocol (RFC 4475 §3.1.1.1 wsinv).
import { SipParseError } from '../errors.ts';
import { formatHost } from '../uri.ts';
import { LazyParams } from './lazy-params.ts';
import { formatParams, paramWatch, parseParams, skipWsTo, splitTopLevel, TOKEN } from './scan.ts';

export interface Via {
  protocol: string; // 'SIP/2.0'
  transport: string; // upper-case: UDP TCP TLS WS WSS SCTP …
  host: string; // IPv6 without brackets, lower-case
  port?: number;
  params: Map<string, string | null>;
  branch?: string;
}

function token(s: string, i: number, b: number): number {
  while (i < b) {
    const c = s.charCodeAt(i);
    if (c >= 128 || TOKEN[c] !== 1) break;
    i++;
  }
  return i;
}

function bad(detail: string): SipParseError {
  return new SipParseError('SIP_ERR_BAD_VIA', detail);
}

const NO_PARAMS = new Map<string, string | null>();

/** Parses one via-parm (no top-level commas). Parameters are kept as text until more than get/has is asked. */
export function parseVia(s: string): Via {
  return parseViaRange(s, 0, s.length);
}

/** parseVia over s[a..b). */
export function parseViaRange(s: string, a: number, b: number): Via {
  const via: Via = { protocol: '', transport: '', host: '', params: NO_PARAMS };
  scanVia(s, a, b, via);
  return via;
}

/** Checks one via-parm in s[a..b) like parseVia does, building nothing. */
export function checkVia(s: string, a: number, b: number): void {
  scanVia(s, a, b, null);
}

function scanVia(s: string, a: number, b: number, via: Via | null): void {
  let i = skipWsTo(s, a, b);
  // sent-protocol = protocol-name SLASH protocol-version SLASH transport
  const p0 = i;
  let e = token(s, i, b);
  if (e === i) throw bad('bad sent-protocol');
  const p1 = e;
  i = skipWsTo(s, e, b);
  if (s.charCodeAt(i) !== 47 /* / */ || i >= b) throw bad('bad sent-protocol');
  i = skipWsTo(s, i + 1, b);
  const v0 = i;
  e = token(s, i, b);
  if (e === i) throw bad('bad sent-protocol');
  const v1 = e;
  i = skipWsTo(s, e, b);
  if (s.charCodeAt(i) !== 47 || i >= b) throw bad('bad sent-protocol');
  i = skipWsTo(s, i + 1, b);
  const t0 = i;
  e = token(s, i, b);
  if (e === i) throw bad('bad sent-protocol');
  const t1 = e;
  i = skipWsTo(s, e, b);
  if (via !== null) {
    via.protocol = isSip20(s, p0, p1, v0, v1) ? 'SIP/2.0' : `${s.slice(p0, p1).toUpperCase()}/${s.slice(v0, v1)}`;
    via.transport = transportName(s, t0, t1);
  }
  // sent-by = host [ COLON port ]
  if (i < b && s.charCodeAt(i) === 91) {
    const e6 = s.indexOf(']', i);
    if (e6 < 0 || e6 >= b) throw bad('unterminated IPv6 reference');
    for (let k = i + 1; k < e6; k++) {
      let c = s.charCodeAt(k);
      if (c >= 65 && c <= 90) c += 32;
      if (!((c >= 48 && c <= 58) || (c >= 97 && c <= 102) || c === 46)) throw bad('bad IPv6 reference');
    }
    if (e6 === i + 1) throw bad('empty sent-by host');
    if (via !== null) via.host = s.slice(i + 1, e6).toLowerCase();
    i = e6 + 1;
  } else {
    const hs = i;
    while (i < b) {
      const c = s.charCodeAt(i);
      if ((c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 45 || c === 46 || c === 95) i++;
      else break;
    }
    if (i === hs) throw bad('empty sent-by host');
    if (via !== null) via.host = s.slice(hs, i).toLowerCase();
  }
  i = skipWsTo(s, i, b);
  if (i < b && s.charCodeAt(i) === 58 /* : */) {
    i = skipWsTo(s, i + 1, b);
    const ps = i;
    while (i < b && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
    if (i === ps || i - ps > 5) throw bad('bad sent-by port');
    let port = 0;
    for (let k = ps; k < i; k++) port = port * 10 + s.charCodeAt(k) - 48;
    if (port === 0 || port > 65535) throw bad('sent-by port out of range'); // 0: no port to answer to
    if (via !== null) via.port = port;
  }
  const end = parseParams(s, i, null, 'SIP_ERR_BAD_VIA', false, b, 'branch');
  if (end < b) throw bad('junk after parameters');
  // RFC 3261 §8.1.1.7: branch carries a value
  if (paramWatch.state === 0) throw bad('branch without value');
  if (via !== null) {
    via.params = new LazyParams(s.slice(i, end));
    if (paramWatch.state === 1) via.branch = s.slice(paramWatch.vs, paramWatch.ve);
  }
}

/** 'SIP' (any case) and '2.0': the usual protocol, no allocation. */
function isSip20(s: string, p0: number, p1: number, v0: number, v1: number): boolean {
  return p1 - p0 === 3 && v1 - v0 === 3 && (s.charCodeAt(p0) | 0x20) === 115 && (s.charCodeAt(p0 + 1) | 0x20) === 105 &&
    (s.charCodeAt(p0 + 2) | 0x20) === 112 && s.charCodeAt(v0) === 50 && s.charCodeAt(v0 + 1) === 46 && s.charCodeAt(v0 + 2) === 48;
}

const TRANSPORTS = ['UDP', 'TCP', 'TLS', 'WS', 'WSS', 'SCTP'];

/** Upper-case transport token, reusing the constant for the registered ones. */
function transportName(s: string, a: number, b: number): string {
  for (const t of TRANSPORTS) {
    if (t.length !== b - a) continue;
    let k = 0;
    while (k < t.length && (s.charCodeAt(a + k) & 0xdf) === t.charCodeAt(k)) k++;
    if (k === t.length) return t;
  }
  return s.slice(a, b).toUpperCase();
}

/** Parses all Via values (each field may hold several comma-separated via-parms). */
export function parseViaList(values: string[]): Via[] {
  const out: Via[] = [];
  for (const v of values) {
    if (v.indexOf(',') < 0) out.push(parseVia(v));
    else for (const p of splitVias(v)) out.push(parseVia(p));
  }
  return out;
}

/**
 * Checks a Via field value as `parseViaList(headers.getAll('via'))` sees it (getAll has already split
 * it on top-level commas, dropping empty elements), building nothing.
 */
export function checkViaField(v: string): void {
  if (v.indexOf(',') < 0) {
    scanVia(v, 0, v.length, null);
    return;
  }
  for (const part of splitTopLevel(v)) {
    if (part.indexOf(',') < 0) scanVia(part, 0, part.length, null);
    else for (const p of splitVias(part)) scanVia(p, 0, p.length, null);
  }
}

function splitVias(v: string): string[] {
  // RFC 4475 badinv01: empty elements between commas are a syntax error
  const parts = v.split(',');
  if (parts.some((p) => p.trim().length === 0)) throw bad('empty Via value');
  return splitTopLevel(v);
}

export function formatVia(v: Via): string {
  const params = new Map(v.params);
  if (v.branch !== undefined) params.set('branch', v.branch);
  return `${v.protocol}/${v.transport} ${formatHost(v.host)}${v.port !== undefined ? `:${v.port}` : ''}${formatParams(params)}`;
}
