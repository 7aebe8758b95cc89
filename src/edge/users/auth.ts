// Who is talking: the SIP domain of a request (seed-part1 §1.5: each vPBX client has its own domain; the first
// client may use the proxy address itself, the "DNS trick") and digest authentication of terminals against that
// domain (realm = domain, HA1 only, RFC 3261 §22, RFC 7616, RFC 8760). Unknown users get exactly the answers of a
// wrong password: a challenge first (nothing about the user is looked at before the response is checked), then
// 403 — so REGISTER/INVITE scans learn nothing (interop README §6, svwar).
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../sip/clock.ts';
import type { SipRequest } from '../../sip/message.ts';
import type { DigestAlgorithm } from '../../sip/digest/algorithm.ts';
import { DigestServer } from '../../sip/digest/server.ts';
import type { DirectoryClient, DirectoryTerminal, DomainEntry } from '../../store/directory/types.ts';
import { EDGE_REASONS } from './errors.ts';

/** What the users edge needs from the SIP directory (src/store/directory implements it). */
export interface EdgeDirectory {
  domain(domain: string): DomainEntry | undefined;
  terminal(domain: string, name: string): DirectoryTerminal | undefined;
  terminalById(id: number): DirectoryTerminal | undefined;
}

export type DomainResult =
  | { ok: true; domain: string; client: DirectoryClient }
  | { ok: false; code: 'EDGE_UNKNOWN_DOMAIN'; status: 403; reason: string };

export type AuthResult =
  | { ok: true; terminal: DirectoryTerminal; algorithm: DigestAlgorithm }
  | { ok: false; code: 'EDGE_AUTH_CHALLENGE'; status: 401 | 407; headers: Array<[string, string]>; username?: string }
  | { ok: false; code: 'EDGE_AUTH_MALFORMED'; status: 400; reason: string }
  | { ok: false; code: 'EDGE_AUTH_FAILED'; status: 403; reason: string; username: string };

export interface EdgeAuthOptions {
  directory: EdgeDirectory;
  /** nonce HMAC key; the same on every edge node of a cluster (default: random per process) */
  secret?: Buffer | string;
  clock?: Clock;
  /**
   * Offered algorithms, one challenge each, in this order (default MD5 then SHA-256). RFC 8760 §2.4 asks for the
   * preferred one first and clients to take the first they support, but many deployed phones and SIPp 3.6.1 read
   * only the first challenge and know only MD5; clients that know SHA-256 still pick it from the second one.
   */
  algorithms?: DigestAlgorithm[];
  nonceTtlMs?: number;
}

export class EdgeAuth {
  readonly #o: EdgeAuthOptions;
  readonly #servers = new Map<string, DigestServer>();

  constructor(o: EdgeAuthOptions) {
    this.#o = o;
  }

  /**
   * The vPBX client a request belongs to, by host. Brand domains (retail/residential) are not served by this edge
   * yet, and count as unknown.
   */
  resolveDomain(host: string): DomainResult {
    const d = host.toLowerCase();
    const e = this.#o.directory.domain(d);
    if (!e || e.kind !== 'client' || e.client.type !== 'vpbx') {
      return { ok: false, code: 'EDGE_UNKNOWN_DOMAIN', status: 403, reason: EDGE_REASONS.EDGE_UNKNOWN_DOMAIN };
    }
    return { ok: true, domain: d, client: e.client };
  }

  /**
   * RFC 3261 §22.1 (REGISTER: 401 / Authorization) and §22.3 (other requests: 407 / Proxy-Authorization).
   * `domain` is the realm; the credentials' username must be a terminal of that domain.
   */
  authenticate(req: SipRequest, domain: string): AuthResult {
    const proxy = req.method !== 'REGISTER';
    const server = this.#server(domain);
    const credentials = req.headers.getAll(proxy ? 'proxy-authorization' : 'authorization');
    const r = server.verify({
      method: req.method,
      credentials,
      proxy,
      body: req.body,
      lookup: (username, realm) => {
        const t = this.#o.directory.terminal(realm, username);
        return t ? { ha1: { MD5: t.ha1Md5, 'SHA-256': t.ha1Sha256 } } : undefined;
      },
    });
    if (r.ok) {
      const terminal = this.#o.directory.terminal(domain, r.username);
      if (terminal) return { ok: true, terminal, algorithm: r.algorithm };
      // deleted between lookup and here: same answer as a wrong password
      return { ok: false, code: 'EDGE_AUTH_FAILED', status: 403, reason: EDGE_REASONS.EDGE_AUTH_FAILED, username: r.username };
    }
    switch (r.code) {
      case 'SIP_ERR_AUTH_UNKNOWN_USER':
      case 'SIP_ERR_AUTH_FAILED':
        return { ok: false, code: 'EDGE_AUTH_FAILED', status: 403, reason: EDGE_REASONS.EDGE_AUTH_FAILED, username: r.username ?? '' };
      case 'SIP_ERR_AUTH_MALFORMED':
        return { ok: false, code: 'EDGE_AUTH_MALFORMED', status: 400, reason: r.reason };
      default: {
        // missing, other realm, unknown nonce, replayed nc, unsupported algorithm/qop, stale: a fresh challenge
        const ch = server.challenge({ proxy, stale: r.stale });
        return {
          ok: false,
          code: 'EDGE_AUTH_CHALLENGE',
          status: ch.status,
          headers: ch.values.map((v): [string, string] => [ch.name, v]),
          ...(r.username !== undefined ? { username: r.username } : {}),
        };
      }
    }
  }

  #server(realm: string): DigestServer {
    let s = this.#servers.get(realm);
    if (!s) {
      s = new DigestServer({
        realm,
        ...(this.#o.secret !== undefined ? { secret: this.#o.secret } : { secret: DEFAULT_SECRET }),
        ...(this.#o.clock ? { clock: this.#o.clock } : {}),
        algorithms: this.#o.algorithms ?? DEFAULT_ALGORITHMS,
        ...(this.#o.nonceTtlMs !== undefined ? { nonceTtlMs: this.#o.nonceTtlMs } : {}),
      });
      this.#servers.set(realm, s);
    }
    return s;
  }
}

export const DEFAULT_ALGORITHMS: DigestAlgorithm[] = ['MD5', 'SHA-256'];

/** One random key per process when none is configured: every realm's nonces are checked with the same key. */
const DEFAULT_SECRET = randomBytes(32);
