// Portal URLs. Spec (seed-part1 §1.3, seed-part2 §1.33): URLs MUST be HTTPS and MUST NOT end with '/'.
import { isDomainName } from './domain-name.ts';
import { isIPv4, isIPv6 } from './ip.ts';

export type HttpsUrlError = 'NOT_A_URL' | 'NOT_HTTPS' | 'TRAILING_SLASH' | 'BAD_HOST' | 'HAS_CREDENTIALS' | 'HAS_QUERY';

/**
 * Checks a portal base URL: `https://host[:port][/path]`, no trailing slash, no user info, query or fragment.
 * `localhost` is accepted as host for development installs.
 */
export function checkHttpsBaseUrl(s: string): { ok: true; host: string } | { ok: false; code: HttpsUrlError } {
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return { ok: false, code: 'NOT_A_URL' };
  }
  if (u.protocol !== 'https:') return { ok: false, code: 'NOT_HTTPS' };
  if (s.endsWith('/')) return { ok: false, code: 'TRAILING_SLASH' };
  if (u.username !== '' || u.password !== '') return { ok: false, code: 'HAS_CREDENTIALS' };
  if (u.search !== '' || u.hash !== '' || s.includes('?') || s.includes('#')) return { ok: false, code: 'HAS_QUERY' };
  const host = u.hostname;
  const bare = host.startsWith('[') ? host.slice(1, -1) : host;
  if (!(host === 'localhost' || isDomainName(host) || isIPv4(host) || isIPv6(bare))) {
    return { ok: false, code: 'BAD_HOST' };
  }
  return { ok: true, host: u.host.toLowerCase() };
}

export function isHttpsBaseUrl(s: string): boolean {
  return checkHttpsBaseUrl(s).ok;
}
