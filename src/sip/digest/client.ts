// Digest authentication, client side (RFC 3261 §22.2, §22.3; RFC 7616 §3.4; RFC 8760): answers 401 and 407
// challenges for the UA, carrier trunks and provider registrations.
import { randomBytes } from 'node:crypto';
import { DIGEST_ALGORITHMS, computeHa1, computeResponse, type DigestAlgorithm, type DigestQop } from './algorithm.ts';
import { formatCredentials, parseChallenge, type DigestChallenge } from './header.ts';

export interface DigestClientCredentials {
  username: string;
  /** Plain password, or precomputed HA1 per algorithm (HA1 is bound to the realm it was computed for). */
  password?: string;
  ha1?: Partial<Record<DigestAlgorithm, string>>;
  /** Only answer challenges for this realm (default: any realm). */
  realm?: string;
}

export interface ChallengedRequest {
  method: string;
  /** digest-uri: the Request-URI as sent (RFC 3261 §22.4). */
  uri: string;
  body?: Buffer;
}

export type DigestAnswer =
  | { ok: true; header: 'Authorization' | 'Proxy-Authorization'; values: string[] }
  | { ok: false; code: 'SIP_ERR_AUTH_NO_CHALLENGE' | 'SIP_ERR_AUTH_UNSUPPORTED' | 'SIP_ERR_AUTH_NO_SECRET' };

export class DigestClient {
  /** nonce → last nc used: RFC 7616 §3.4 "nc" counts requests sent with the same nonce. */
  readonly #nc = new Map<string, number>();
  readonly #cnonce: () => string;

  constructor(opts: { cnonce?: () => string } = {}) {
    this.#cnonce = opts.cnonce ?? (() => randomBytes(12).toString('hex'));
  }

  /**
   * Answer the challenges of a 401 (WWW-Authenticate → Authorization) or 407 (Proxy-Authenticate →
   * Proxy-Authorization). `headers` are the response's fields (iterated raw: challenge values contain commas).
   * One answer per realm, with the strongest algorithm offered that we support (RFC 8760 §2.4).
   */
  answer(
    status: number,
    headers: Iterable<[string, string]>,
    req: ChallengedRequest,
    creds: DigestClientCredentials,
  ): DigestAnswer {
    const proxy = status === 407;
    const want = proxy ? 'proxy-authenticate' : 'www-authenticate';
    const byRealm = new Map<string, DigestChallenge>();
    let any = false;
    for (const [name, value] of headers) {
      if (name.toLowerCase() !== want) continue;
      any = true;
      const c = parseChallenge(value);
      if (!c || !c.algorithm) continue;
      if (creds.realm !== undefined && c.realm !== creds.realm) continue;
      if (c.qop.length > 0 && !c.qop.includes('auth') && !(c.qop.includes('auth-int') && req.body !== undefined)) continue;
      const prev = byRealm.get(c.realm);
      if (!prev || rank(c.algorithm) < rank(prev.algorithm!)) byRealm.set(c.realm, c);
    }
    if (!any) return { ok: false, code: 'SIP_ERR_AUTH_NO_CHALLENGE' };
    if (byRealm.size === 0) return { ok: false, code: 'SIP_ERR_AUTH_UNSUPPORTED' };
    const values: string[] = [];
    for (const c of byRealm.values()) {
      const v = this.answerChallenge(c, req, creds);
      if (v === undefined) return { ok: false, code: 'SIP_ERR_AUTH_NO_SECRET' };
      values.push(v);
    }
    return { ok: true, header: proxy ? 'Proxy-Authorization' : 'Authorization', values };
  }

  /** Credentials value for one parsed challenge; undefined when no password/HA1 is available for its algorithm. */
  answerChallenge(c: DigestChallenge, req: ChallengedRequest, creds: DigestClientCredentials): string | undefined {
    const algorithm = c.algorithm;
    if (!algorithm) return undefined;
    const ha1 =
      creds.password !== undefined ? computeHa1(algorithm, creds.username, c.realm, creds.password) : creds.ha1?.[algorithm];
    if (!ha1) return undefined;
    let qop: DigestQop | undefined;
    if (c.qop.includes('auth')) qop = 'auth';
    else if (c.qop.includes('auth-int')) qop = 'auth-int';
    let nc: string | undefined;
    let cnonce: string | undefined;
    if (qop) {
      const n = (this.#nc.get(c.nonce) ?? 0) + 1;
      this.#nc.set(c.nonce, n);
      if (this.#nc.size > 64) this.#nc.delete(this.#nc.keys().next().value!);
      nc = n.toString(16).padStart(8, '0');
      cnonce = this.#cnonce();
    }
    const response = computeResponse({ algorithm, ha1, method: req.method, uri: req.uri, nonce: c.nonce, qop, nc, cnonce, body: req.body });
    return formatCredentials({ username: creds.username, realm: c.realm, nonce: c.nonce, uri: req.uri, response, algorithm, qop, nc, cnonce, opaque: c.opaque });
  }
}

function rank(a: DigestAlgorithm): number {
  return DIGEST_ALGORITHMS.indexOf(a);
}
