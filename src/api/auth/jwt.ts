// Compact JWS with HS256 (RFC 7519 / RFC 7515) on node:crypto. Only HS256 is accepted: the header's `alg` is
// checked, never trusted to pick the algorithm (RFC 8725 §3.1).
import { createHmac, timingSafeEqual } from 'node:crypto';

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

export type JwtClaims = Record<string, unknown> & { exp: number; iat: number };

export function signJwt(claims: JwtClaims, secret: string): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const sig = createHmac('sha256', secret).update(`${HEADER}.${payload}`).digest('base64url');
  return `${HEADER}.${payload}.${sig}`;
}

export type JwtResult = { ok: true; claims: JwtClaims } | { ok: false; code: 'MALFORMED' | 'BAD_SIGNATURE' | 'EXPIRED' };

/** Verifies signature and expiry (`nowSeconds` injectable for tests). */
export function verifyJwt(token: string, secret: string, nowSeconds = Math.floor(Date.now() / 1000)): JwtResult {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, code: 'MALFORMED' };
  const [h, p, s] = parts as [string, string, string];
  let header: unknown;
  let claims: unknown;
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, code: 'MALFORMED' };
  }
  if (typeof header !== 'object' || header === null || (header as { alg?: unknown }).alg !== 'HS256') {
    return { ok: false, code: 'MALFORMED' };
  }
  const expected = createHmac('sha256', secret).update(`${h}.${p}`).digest();
  const given = Buffer.from(s, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, code: 'BAD_SIGNATURE' };
  if (typeof claims !== 'object' || claims === null) return { ok: false, code: 'MALFORMED' };
  const c = claims as JwtClaims;
  if (typeof c.exp !== 'number' || c.exp <= nowSeconds) return { ok: false, code: 'EXPIRED' };
  return { ok: true, claims: c };
}
