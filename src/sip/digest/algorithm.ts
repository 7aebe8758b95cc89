// Digest hash arithmetic: RFC 2617 §3.2.2, RFC 7616 §3.4, RFC 8760 (SHA-256 and SHA-512/256 for SIP).
import { createHash } from 'node:crypto';
import { md5Hex } from './md5.ts';

export const DIGEST_ALGORITHMS = ['SHA-512-256', 'SHA-256', 'MD5'] as const; // strongest first (RFC 8760 §2.4)
export type DigestAlgorithm = (typeof DIGEST_ALGORITHMS)[number];
export type DigestQop = 'auth' | 'auth-int';

const NODE_HASH: Record<DigestAlgorithm, string> = { MD5: 'md5', 'SHA-256': 'sha256', 'SHA-512-256': 'sha512-256' };

/** Parse an algorithm token case-insensitively; absent means MD5 (RFC 2617 §3.2.1). `-sess` is not supported. */
export function parseAlgorithm(token: string | undefined): DigestAlgorithm | undefined {
  if (token === undefined || token === '') return 'MD5';
  const t = token.toUpperCase();
  return DIGEST_ALGORITHMS.find((a) => a === t);
}

export function digestHash(alg: DigestAlgorithm, data: string | Buffer): string {
  if (alg === 'MD5') return md5Hex(data); // the common case, without a native Hash object per call (md5.ts)
  return createHash(NODE_HASH[alg]).update(data).digest('hex');
}

/** RFC 7616 §3.4.2: A1 = username ":" realm ":" passwd; HA1 = H(A1). Store this instead of the password. */
export function computeHa1(alg: DigestAlgorithm, username: string, realm: string, password: string): string {
  return digestHash(alg, `${username}:${realm}:${password}`);
}

export interface ResponseInput {
  algorithm: DigestAlgorithm;
  ha1: string;
  method: string;
  uri: string;
  nonce: string;
  qop?: DigestQop | undefined;
  nc?: string | undefined; // 8 hex digits, as sent
  cnonce?: string | undefined;
  body?: Buffer | undefined; // needed for qop=auth-int
}

/**
 * RFC 7616 §3.4.1 (qop present): response = H(HA1:nonce:nc:cnonce:qop:HA2);
 * RFC 2069 compatibility (no qop, RFC 2617 §3.2.2.1): response = H(HA1:nonce:HA2).
 * HA2 = H(method:uri) or, for auth-int, H(method:uri:H(body)) (RFC 7616 §3.4.3).
 */
export function computeResponse(i: ResponseInput): string {
  const a2 =
    i.qop === 'auth-int'
      ? `${i.method}:${i.uri}:${digestHash(i.algorithm, i.body ?? Buffer.alloc(0))}`
      : `${i.method}:${i.uri}`;
  const ha2 = digestHash(i.algorithm, a2);
  if (i.qop) return digestHash(i.algorithm, `${i.ha1}:${i.nonce}:${i.nc ?? ''}:${i.cnonce ?? ''}:${i.qop}:${ha2}`);
  return digestHash(i.algorithm, `${i.ha1}:${i.nonce}:${ha2}`);
}
