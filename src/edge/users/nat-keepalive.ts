// Keep-alive OPTIONS to phones behind NAT (issue 6 "NAT handling": rport, received, keep-alive OPTIONS to NATed
// contacts). A UDP phone behind NAT is reachable only while its NAT binding stays open; many NATs close idle UDP
// mappings after 30–60 s, much sooner than a REGISTER refresh. Like Kamailio's nathelper (`nat_keepalive`), the
// edge sends an out-of-dialog OPTIONS to each NATed UDP binding every interval; any response (even 404 or 405)
// proves the path is open. Reliable transports are not pinged: their phones keep the connection alive with CRLF
// keep-alives (RFC 5626 §4.4.1), which the transports answer.
//
// NATed means (RFC 3581 / nathelper's nat_uac_test): the REGISTER came from another address than the Contact
// names, or the Contact names a private or shared address (RFC 1918, RFC 6598) that is not the source itself.
//
// Unanswered pings are counted per binding. With `unreachableAfter` > 0 the binding is removed after that many
// consecutive timeouts (like usrloc's keepalive_timeout); the default 0 only counts, because some phones never
// answer OPTIONS and an operator should opt in to removing them.
import { randomHex } from '../../sip/random.ts';
import { isIP } from 'node:net';
import { createRequest, parseUri } from '../../sip/message.ts';
import type { SipStack } from '../../sip/stack.ts';
import { realClock, type Clock, type TimerHandle } from '../../sip/clock.ts';
import { flowTarget, type Flow } from './flow.ts';
import type { Binding, LocationService } from './location.ts';

export interface NatKeepaliveOptions {
  /** the phones' stack: pings leave through the socket the REGISTER came in on */
  stack: SipStack;
  location: LocationService;
  /** seconds between pings (default 30) */
  intervalSeconds?: number;
  /** remove a binding after this many unanswered pings in a row (default 0: never) */
  unreachableAfter?: number;
  /** only bindings this edge owns are pinged (cluster: every edge sees every binding through Redis) */
  owns?: (b: Binding) => boolean;
  clock?: Clock;
  onError?: (err: unknown) => void;
}

interface Tracked {
  binding: Binding;
  misses: number;
  inFlight: boolean;
}

// RFC 1918 private ranges and RFC 6598 shared address space (carrier-grade NAT).
const PRIVATE_V4 = [/^10\./, /^192\.168\./, /^172\.(1[6-9]|2\d|3[01])\./, /^100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\./];

function isPrivateAddress(host: string): boolean {
  if (isIP(host) === 4) return PRIVATE_V4.some((r) => r.test(host));
  if (isIP(host) === 6) return /^f[cd]/i.test(host); // RFC 4193 unique local
  return false;
}

/** Does this binding sit behind NAT, seen from the edge? Only UDP bindings need our pings. */
export function isNatedUdp(contact: string, flow: Flow): boolean {
  if (flow.transport !== 'UDP') return false;
  let host: string;
  let port: number;
  try {
    const u = parseUri(contact);
    host = u.host.replace(/^\[|\]$/g, '');
    port = u.port ?? 5060;
  } catch {
    return false;
  }
  if (host !== flow.host || port !== flow.port) return true;
  return host !== flow.host && isPrivateAddress(host);
}

export class NatKeepalive {
  readonly #o: Required<Omit<NatKeepaliveOptions, 'onError'>> & Pick<NatKeepaliveOptions, 'onError'>;
  /** AoR → binding key → pinged binding: a REGISTER replaces its AoR's entries without looking at the others */
  readonly #tracked = new Map<string, Map<string, Tracked>>();
  readonly #unsubscribe: () => void;
  #timer: TimerHandle | undefined;
  #closed = false;
  /** pings sent, answered, timed out, bindings removed (metrics, tests) */
  readonly stats = { sent: 0, answered: 0, timedOut: 0, removed: 0 };

  constructor(o: NatKeepaliveOptions) {
    this.#o = {
      intervalSeconds: 30,
      unreachableAfter: 0,
      owns: () => true,
      clock: realClock,
      ...o,
    };
    // The location service reports every AoR change with the AoR's bindings afterwards: keep our set in step.
    this.#unsubscribe = o.location.onChange((aor, bindings) => this.#update(aor, bindings));
    this.#schedule();
  }

  /** Bindings currently pinged. */
  get size(): number {
    let n = 0;
    for (const bindings of this.#tracked.values()) n += bindings.size;
    return n;
  }

  /** One round of pings now (also run every interval). */
  pingAll(): void {
    const now = this.#o.clock.now();
    // Pings go out after the walk: a send that fails at once removes its binding (#miss → location → #update)
    // and would change the maps while they are walked.
    const due: Tracked[] = [];
    for (const [aor, bindings] of this.#tracked) {
      for (const [key, t] of bindings) {
        if (t.binding.expiresAt <= now) {
          bindings.delete(key);
          continue;
        }
        if (!t.inFlight) due.push(t);
      }
      if (bindings.size === 0) this.#tracked.delete(aor);
    }
    for (const t of due) if (this.#tracked.get(t.binding.aor)?.get(t.binding.key) === t) this.#ping(t);
  }

  close(): void {
    this.#closed = true;
    this.#unsubscribe();
    this.#o.clock.clearTimeout(this.#timer);
    this.#tracked.clear();
  }

  #update(aor: string, bindings: readonly Binding[]): void {
    this.#tracked.delete(aor);
    let fresh: Map<string, Tracked> | undefined;
    for (const b of bindings) {
      if (!this.#o.owns(b) || !isNatedUdp(b.contact, b.flow)) continue;
      (fresh ??= new Map()).set(b.key, { binding: b, misses: 0, inFlight: false });
    }
    if (fresh !== undefined) this.#tracked.set(aor, fresh);
  }

  #schedule(): void {
    if (this.#closed || this.#o.intervalSeconds <= 0) return;
    this.#timer = this.#o.clock.setTimeout(() => {
      this.pingAll();
      this.#schedule();
    }, this.#o.intervalSeconds * 1000);
  }

  #ping(t: Tracked): void {
    const b = t.binding;
    const via = this.#o.stack.sentBy('UDP');
    const host = via?.host ?? '127.0.0.1';
    const req = createRequest({
      method: 'OPTIONS',
      uri: b.contact,
      headers: [
        ['Max-Forwards', '70'],
        ['From', `<sip:keepalive@${host.includes(':') ? `[${host}]` : host}>;tag=${randomHex(4)}`],
        ['To', `<${b.contact}>`],
        ['Call-ID', `ka-${randomHex(8)}`],
        ['CSeq', '1 OPTIONS'],
        ['Content-Length', '0'],
      ],
    });
    t.inFlight = true;
    this.stats.sent++;
    try {
      this.#o.stack.tx.sendRequest(req, flowTarget(b.flow), {
        onResponse: (res) => {
          if (res.status < 200) return;
          t.inFlight = false;
          t.misses = 0;
          this.stats.answered++;
        },
        onTimeout: () => {
          t.inFlight = false;
          this.#miss(t);
        },
        onTransportError: () => {
          t.inFlight = false;
          this.#miss(t);
        },
      });
    } catch (e) {
      t.inFlight = false;
      this.#o.onError?.(e);
    }
  }

  #miss(t: Tracked): void {
    this.stats.timedOut++;
    t.misses++;
    const limit = this.#o.unreachableAfter;
    const b = t.binding;
    const bindings = this.#tracked.get(b.aor);
    if (limit <= 0 || t.misses < limit || bindings?.get(b.key) !== t) return;
    bindings.delete(b.key);
    if (bindings.size === 0) this.#tracked.delete(b.aor);
    // Removal as if the phone had unregistered this contact, one CSeq after the REGISTER that built it: if the
    // phone refreshed meanwhile, the location service rejects this as out of order and the fresh binding stays.
    this.#o.location
      .apply({ aor: b.aor, owner: b.owner, callId: b.callId, cseq: b.cseq + 1, flow: b.flow, changes: [{ contact: b.contact, key: b.key, expires: 0 }], single: false })
      .then((r) => {
        if (r.ok) this.stats.removed++;
      })
      .catch((e: unknown) => this.#o.onError?.(e));
  }
}
