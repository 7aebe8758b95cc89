// Via header values. RFC 3261 §20.42, §25.1 (via-parm = sent-protocol LWS sent-by *( SEMI via-params )),
// RFC 3581 (rport flag), LWS allowed around '/' in sent-protocol (RFC 4475 §3.1.1.1 wsinv).
import { SipParseError } from '../errors.ts';
import { formatHost } from '../uri.ts';
import { formatParams, parseParams, skipWs, splitTopLevel, TOKEN } from './scan.ts';

export interface Via {
  protocol: string; // 'SIP/2.0'
  transport: string; // upper-case: UDP TCP TLS WS WSS SCTP …
  host: string; // IPv6 without brackets, lower-case
  port?: number;
  params: Map<string, string | null>;
  branch?: string;
}

function token(s: string, i: number): number {
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c >= 128 || TOKEN[c] !== 1) break;
    i++;
  }
  return i;
}

function bad(detail: string): SipParseError {
  return new SipParseError('SIP_ERR_BAD_VIA', detail);
}

/** Parses one via-parm (no top-level commas). */
export function parseVia(s: string): Via {
  let i = skipWs(s, 0);
  const parts: string[] = [];
  for (let k = 0; k < 3; k++) {
    if (k > 0) {
      if (s.charCodeAt(i) !== 47 /* / */) throw bad('bad sent-protocol');
      i = skipWs(s, i + 1);
    }
    const e = token(s, i);
    if (e === i) throw bad('bad sent-protocol');
    parts.push(s.slice(i, e));
    i = skipWs(s, e);
  }
  const [name, version, transport] = parts as [string, string, string];
  const via: Via = { protocol: `${name.toUpperCase()}/${version}`, transport: transport.toUpperCase(), host: '', params: new Map() };
  // sent-by = host [ COLON port ]
  if (s.charCodeAt(i) === 91) {
    const e = s.indexOf(']', i);
    if (e < 0) throw bad('unterminated IPv6 reference');
    via.host = s.slice(i + 1, e).toLowerCase();
    for (let k = 0; k < via.host.length; k++) {
      const c = via.host.charCodeAt(k);
      if (!((c >= 48 && c <= 58) || (c >= 97 && c <= 102) || c === 46)) throw bad('bad IPv6 reference');
    }
    i = e + 1;
  } else {
    const hs = i;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if ((c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 45 || c === 46 || c === 95) i++;
      else break;
    }
    via.host = s.slice(hs, i).toLowerCase();
  }
  if (via.host.length === 0) throw bad('empty sent-by host');
  i = skipWs(s, i);
  if (s.charCodeAt(i) === 58 /* : */) {
    i = skipWs(s, i + 1);
    const ps = i;
    while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
    if (i === ps || i - ps > 5) throw bad('bad sent-by port');
    const port = Number(s.slice(ps, i));
    if (port > 65535) throw bad('sent-by port out of range');
    via.port = port;
  }
  const end = parseParams(s, i, via.params, 'SIP_ERR_BAD_VIA');
  if (end < s.length) throw bad('junk after parameters');
  const branch = via.params.get('branch');
  if (branch === null) throw bad('branch without value');
  if (branch !== undefined) via.branch = branch;
  return via;
}

/** Parses all Via values (each field may hold several comma-separated via-parms). */
export function parseViaList(values: string[]): Via[] {
  const out: Via[] = [];
  for (const v of values) {
    if (v.indexOf(',') < 0) out.push(parseVia(v));
    else {
      // RFC 4475 badinv01: empty elements between commas are a syntax error
      const parts = v.split(',');
      if (parts.some((p) => p.trim().length === 0)) throw bad('empty Via value');
      for (const p of splitTopLevel(v)) out.push(parseVia(p));
    }
  }
  return out;
}

export function formatVia(v: Via): string {
  const params = new Map(v.params);
  if (v.branch !== undefined) params.set('branch', v.branch);
  return `${v.protocol}/${v.transport} ${formatHost(v.host)}${v.port !== undefined ? `:${v.port}` : ''}${formatParams(params)}`;
}
