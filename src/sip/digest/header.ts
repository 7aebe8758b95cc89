// Digest challenge / credentials header values (RFC 3261 §25.1 challenge, credentials; RFC 7616 §3.3, §3.4).
// These values contain commas inside quoted strings, so they are parsed here and never comma-split as lists.
import { parseAlgorithm, type DigestAlgorithm, type DigestQop } from './algorithm.ts';

export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque?: string | undefined;
  algorithm: DigestAlgorithm | undefined; // undefined: unsupported algorithm token (kept in algorithmToken)
  algorithmToken: string | undefined;
  qop: DigestQop[]; // empty: RFC 2069 style, no qop
  stale: boolean;
  domain?: string | undefined;
}

export interface DigestCredentials {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  algorithm: DigestAlgorithm | undefined;
  algorithmToken: string | undefined;
  qop?: string | undefined;
  nc?: string | undefined;
  cnonce?: string | undefined;
  opaque?: string | undefined;
}

/** Split `Digest a=b, c="d, e"` into scheme + lower-cased params. Returns undefined when not parseable. */
export function parseAuthParams(value: string): { scheme: string; params: Map<string, string> } | undefined {
  const s = value.trim();
  const sp = s.search(/[ \t]/);
  if (sp <= 0) return undefined;
  const scheme = s.slice(0, sp);
  const params = new Map<string, string>();
  let i = sp;
  const n = s.length;
  while (i < n) {
    while (i < n && (s[i] === ' ' || s[i] === '\t' || s[i] === ',' || s[i] === '\r' || s[i] === '\n')) i++;
    if (i >= n) break;
    const eq = s.indexOf('=', i);
    if (eq < 0) return undefined;
    const name = s.slice(i, eq).trim().toLowerCase();
    if (!/^[a-z0-9!%'*+\-._`~]+$/.test(name)) return undefined;
    i = eq + 1;
    while (i < n && (s[i] === ' ' || s[i] === '\t')) i++;
    let v = '';
    if (s[i] === '"') {
      i++;
      let closed = false;
      // whole runs between escapes are sliced, not appended a character at a time (a nonce or response would
      // otherwise become a rope of 40 one-character strings that is flattened again when hashed)
      let run = i;
      while (i < n) {
        const c = s.charCodeAt(i);
        if (c === 0x5c && i + 1 < n) {
          v += s.slice(run, i) + s[i + 1];
          i += 2;
          run = i;
          continue;
        }
        if (c === 0x22) {
          v += s.slice(run, i);
          closed = true;
          i++;
          break;
        }
        i++;
      }
      if (!closed) return undefined;
    } else {
      const start = i;
      while (i < n && s[i] !== ',') i++;
      v = s.slice(start, i).trim();
    }
    if (!params.has(name)) params.set(name, v);
  }
  return { scheme, params };
}

export function parseChallenge(value: string): DigestChallenge | undefined {
  const p = parseAuthParams(value);
  if (!p || p.scheme.toLowerCase() !== 'digest') return undefined;
  const realm = p.params.get('realm');
  const nonce = p.params.get('nonce');
  if (realm === undefined || nonce === undefined) return undefined;
  const algorithmToken = p.params.get('algorithm');
  const qop = (p.params.get('qop') ?? '')
    .split(',')
    .map((q) => q.trim().toLowerCase())
    .filter((q): q is DigestQop => q === 'auth' || q === 'auth-int');
  return {
    realm,
    nonce,
    opaque: p.params.get('opaque'),
    algorithm: parseAlgorithm(algorithmToken),
    algorithmToken,
    qop,
    stale: (p.params.get('stale') ?? '').toLowerCase() === 'true',
    domain: p.params.get('domain'),
  };
}

export function parseCredentials(value: string): DigestCredentials | undefined {
  const p = parseAuthParams(value);
  if (!p || p.scheme.toLowerCase() !== 'digest') return undefined;
  const get = (k: string) => p.params.get(k);
  const username = get('username');
  const realm = get('realm');
  const nonce = get('nonce');
  const uri = get('uri');
  const response = get('response');
  if (username === undefined || realm === undefined || nonce === undefined || uri === undefined || !response)
    return undefined;
  const algorithmToken = get('algorithm');
  return {
    username,
    realm,
    nonce,
    uri,
    response: response.toLowerCase(),
    algorithm: parseAlgorithm(algorithmToken),
    algorithmToken,
    qop: get('qop')?.toLowerCase(),
    nc: get('nc'),
    cnonce: get('cnonce'),
    opaque: get('opaque'),
  };
}

/** RFC 3261 §25.1 quoted-string: escape backslash and double quote. */
export function quote(v: string): string {
  return `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

export function formatChallenge(c: {
  realm: string;
  nonce: string;
  algorithm: DigestAlgorithm;
  qop: DigestQop[];
  stale?: boolean | undefined;
  opaque?: string | undefined;
}): string {
  const parts = [`realm=${quote(c.realm)}`, `nonce=${quote(c.nonce)}`];
  if (c.opaque !== undefined) parts.push(`opaque=${quote(c.opaque)}`);
  if (c.stale) parts.push('stale=true');
  parts.push(`algorithm=${c.algorithm}`);
  if (c.qop.length > 0) parts.push(`qop=${quote(c.qop.join(','))}`);
  return `Digest ${parts.join(', ')}`;
}

export function formatCredentials(c: {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  algorithm: DigestAlgorithm;
  qop?: DigestQop | undefined;
  nc?: string | undefined;
  cnonce?: string | undefined;
  opaque?: string | undefined;
}): string {
  const parts = [
    `username=${quote(c.username)}`,
    `realm=${quote(c.realm)}`,
    `nonce=${quote(c.nonce)}`,
    `uri=${quote(c.uri)}`,
    `response=${quote(c.response)}`,
    `algorithm=${c.algorithm}`,
  ];
  // RFC 3261 §25.1 / RFC 7616 §3.4: qop and nc are tokens (unquoted), cnonce and opaque are quoted.
  if (c.qop) parts.push(`qop=${c.qop}`, `nc=${c.nc ?? '00000001'}`, `cnonce=${quote(c.cnonce ?? '')}`);
  if (c.opaque !== undefined) parts.push(`opaque=${quote(c.opaque)}`);
  return `Digest ${parts.join(', ')}`;
}
