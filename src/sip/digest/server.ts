// Digest authentication, server side (RFC 3261 §22.1–22.4, RFC 7616, RFC 8760).
// Nonces are stateless (nonce.ts); the only state kept is the highest nc seen per nonce, for replay protection
// with qop (RFC 7616 §3.3 "nc"). That table is per process and bounded: in a cluster, pin a nonce to its node or
// accept that a replay across nodes within the nonce lifetime is not detected.
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.ts';
import { realClock } from '../clock.ts';
import { computeHa1, computeResponse, type DigestAlgorithm, type DigestQop } from './algorithm.ts';
import { formatChallenge, parseCredentials, type DigestCredentials } from './header.ts';
import { NonceKey } from './nonce.ts';
import { ownString } from '../own-string.ts';

export interface DigestServerOptions {
  realm: string;
  /** HMAC key for nonces; share it between nodes of one cluster. Random per process when omitted. */
  secret?: Buffer | string;
  clock?: Clock;
  /** Nonce lifetime (default 300 s). Older nonces with correct credentials get stale=true. */
  nonceTtlMs?: number;
  /** Algorithms offered, one challenge each, in order of preference (default SHA-256 then MD5, RFC 8760 §2.4). */
  algorithms?: DigestAlgorithm[];
  /** qop offered (default ['auth']). Empty list: RFC 2069 style challenge. */
  qop?: DigestQop[];
  /** Accept an answer without qop to a qop challenge (RFC 2069 clients). Default false. */
  allowNoQop?: boolean;
  /** Upper bound of nonces whose nc is tracked (default 100 000); the oldest are forgotten first. */
  maxTrackedNonces?: number;
}

/** Where the user's secret comes from: the plain password, or precomputed HA1 per algorithm (HA1-only storage). */
export type DigestSecret = { password: string } | { ha1: Partial<Record<DigestAlgorithm, string>> };

export type DigestFailureCode =
  | 'SIP_ERR_AUTH_MISSING'
  | 'SIP_ERR_AUTH_MALFORMED'
  | 'SIP_ERR_AUTH_REALM'
  | 'SIP_ERR_AUTH_ALGORITHM'
  | 'SIP_ERR_AUTH_QOP'
  | 'SIP_ERR_AUTH_NONCE'
  | 'SIP_ERR_AUTH_STALE'
  | 'SIP_ERR_AUTH_REPLAY'
  | 'SIP_ERR_AUTH_UNKNOWN_USER'
  | 'SIP_ERR_AUTH_FAILED';

export type DigestVerifyResult =
  | { ok: true; username: string; realm: string; algorithm: DigestAlgorithm }
  | { ok: false; code: DigestFailureCode; status: 400 | 401 | 407 | 403; reason: string; stale: boolean; username?: string };

export interface VerifyInput {
  method: string;
  /** Value(s) of Authorization (UAS/registrar) or Proxy-Authorization (proxy) fields of the request. */
  credentials: string[];
  /** true: proxy authentication (407 / Proxy-Authenticate, RFC 3261 §22.3). */
  proxy?: boolean;
  body?: Buffer;
  /** Looks up the user's secret; undefined when the user does not exist. */
  lookup: (username: string, realm: string) => DigestSecret | undefined;
}

const REASONS: Record<DigestFailureCode, string> = {
  SIP_ERR_AUTH_MISSING: 'Credentials Required',
  SIP_ERR_AUTH_MALFORMED: 'Malformed Credentials',
  SIP_ERR_AUTH_REALM: 'Wrong Realm',
  SIP_ERR_AUTH_ALGORITHM: 'Unsupported Algorithm',
  SIP_ERR_AUTH_QOP: 'Unsupported Qop',
  SIP_ERR_AUTH_NONCE: 'Invalid Nonce',
  SIP_ERR_AUTH_STALE: 'Stale Nonce',
  SIP_ERR_AUTH_REPLAY: 'Nonce Count Replayed',
  SIP_ERR_AUTH_UNKNOWN_USER: 'Wrong Credentials',
  SIP_ERR_AUTH_FAILED: 'Wrong Credentials',
};

export class DigestServer {
  readonly realm: string;
  readonly #nonces: NonceKey;
  readonly #clock: Clock;
  readonly #ttl: number;
  readonly #algorithms: DigestAlgorithm[];
  readonly #qop: DigestQop[];
  readonly #allowNoQop: boolean;
  readonly #maxTracked: number;
  /** nonce → highest nc accepted (insertion order = age, for eviction). */
  readonly #nc = new Map<string, { nc: number; issuedAt: number }>();

  constructor(o: DigestServerOptions) {
    this.realm = o.realm;
    this.#nonces = new NonceKey(o.secret === undefined ? randomBytes(32) : Buffer.from(o.secret));
    this.#clock = o.clock ?? realClock;
    this.#ttl = o.nonceTtlMs ?? 300_000;
    this.#algorithms = o.algorithms ?? ['SHA-256', 'MD5'];
    this.#qop = o.qop ?? ['auth'];
    this.#allowNoQop = o.allowNoQop ?? false;
    this.#maxTracked = o.maxTrackedNonces ?? 100_000;
  }

  /**
   * Header field to add to the 401/407 (RFC 3261 §22.1, §22.3): one challenge per offered algorithm, all with
   * the same fresh nonce. `stale` per RFC 7616 §3.3 when the previous nonce had expired but the answer was right.
   */
  challenge(opts: { proxy?: boolean; stale?: boolean } = {}): { name: string; values: string[]; status: 401 | 407 } {
    const nonce = this.#nonces.issue(this.realm, this.#clock.now());
    const values = this.#algorithms.map((algorithm) =>
      formatChallenge({ realm: this.realm, nonce, algorithm, qop: this.#qop, stale: opts.stale }),
    );
    return opts.proxy
      ? { name: 'Proxy-Authenticate', values, status: 407 }
      : { name: 'WWW-Authenticate', values, status: 401 };
  }

  verify(input: VerifyInput): DigestVerifyResult {
    const status = input.proxy ? 407 : 401;
    const fail = (code: DigestFailureCode, extra: { stale?: boolean; username?: string; status?: 400 | 403 } = {}) =>
      ({
        ok: false as const,
        code,
        status: extra.status ?? status,
        reason: REASONS[code],
        stale: extra.stale ?? false,
        ...(extra.username !== undefined ? { username: extra.username } : {}),
      }) satisfies DigestVerifyResult;

    // RFC 3261 §22.4: pick the credentials for our realm (there may be several, for several proxies).
    let creds: DigestCredentials | undefined;
    let sawMalformed = false;
    for (const v of input.credentials) {
      const c = parseCredentials(v);
      if (!c) {
        sawMalformed ||= /^\s*digest\s/i.test(v);
        continue;
      }
      if (c.realm === this.realm) {
        creds = c;
        break;
      }
    }
    if (!creds) {
      if (sawMalformed) return fail('SIP_ERR_AUTH_MALFORMED', { status: 400 });
      return fail(input.credentials.length > 0 ? 'SIP_ERR_AUTH_REALM' : 'SIP_ERR_AUTH_MISSING');
    }
    const { username } = creds;
    const alg = creds.algorithm;
    if (!alg || !this.#algorithms.includes(alg)) return fail('SIP_ERR_AUTH_ALGORITHM', { username });

    let qop: DigestQop | undefined;
    if (creds.qop === undefined) {
      if (this.#qop.length > 0 && !this.#allowNoQop) return fail('SIP_ERR_AUTH_QOP', { username });
    } else if ((creds.qop === 'auth' || creds.qop === 'auth-int') && this.#qop.includes(creds.qop)) {
      qop = creds.qop;
      if (!creds.nc || !/^[0-9a-fA-F]{8}$/.test(creds.nc) || !creds.cnonce)
        return fail('SIP_ERR_AUTH_MALFORMED', { status: 400, username });
    } else return fail('SIP_ERR_AUTH_QOP', { username });

    const now = this.#clock.now();
    const nonce = this.#nonces.check(this.realm, creds.nonce, now, this.#ttl);
    if (!nonce.ok) return fail('SIP_ERR_AUTH_NONCE', { username });

    const secret = input.lookup(username, creds.realm);
    const ha1 = secret && ('password' in secret ? computeHa1(alg, username, creds.realm, secret.password) : secret.ha1[alg]);
    if (!ha1) return fail('SIP_ERR_AUTH_UNKNOWN_USER', { username });
    const expected = computeResponse({
      algorithm: alg,
      ha1: ha1.toLowerCase(),
      method: input.method,
      uri: creds.uri,
      nonce: creds.nonce,
      qop,
      nc: creds.nc,
      cnonce: creds.cnonce,
      body: input.body,
    });
    if (!constantTimeEqual(expected, creds.response)) return fail('SIP_ERR_AUTH_FAILED', { username });
    // RFC 7616 §3.3 stale: the password was right, only the nonce was old: the client retries without the user.
    if (nonce.expired) return fail('SIP_ERR_AUTH_STALE', { stale: true, username });

    if (qop) {
      const nc = parseInt(creds.nc!, 16);
      const seen = this.#nc.get(creds.nonce);
      if (seen && nc <= seen.nc) return fail('SIP_ERR_AUTH_REPLAY', { username });
      // kept up to the nonce lifetime: a string of its own, not a slice of the whole received header
      this.#track(ownString(creds.nonce), nc, nonce.issuedAt, now);
    }
    return { ok: true, username, realm: creds.realm, algorithm: alg };
  }

  #track(nonce: string, nc: number, issuedAt: number, now: number): void {
    this.#nc.delete(nonce);
    this.#nc.set(nonce, { nc, issuedAt });
    // Forget expired nonces (they can no longer be accepted anyway) and keep the table bounded.
    for (const [k, v] of this.#nc) {
      if (this.#nc.size <= this.#maxTracked && now - v.issuedAt <= this.#ttl) break;
      this.#nc.delete(k);
    }
  }
}

function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return d === 0;
}
