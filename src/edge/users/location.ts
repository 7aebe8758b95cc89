// Location service (RFC 3261 §10.3): address of record → bindings (contacts with expiry and the flow they came
// from). The interface is asynchronous so a shared implementation (Redis, cluster mode) can sit behind it; the
// in-memory one below serves the embedded single-node setup. Changes are reported to listeners (the
// `registrations` table mirror) and never wait for them.
import { realClock, type Clock, type TimerHandle } from '../../sip/clock.ts';
import type { Flow } from './flow.ts';

/** Who owns an AoR (from the directory), copied into every binding for the registrations mirror. */
export interface BindingOwner {
  clientId: number;
  terminalId: number;
  userId: number | null;
}

export interface Binding {
  /** `sip:name@domain` (domain lower-case) */
  readonly aor: string;
  /** Contact URI as registered (RFC 3261 §10.2.1), without header parameters */
  readonly contact: string;
  /** identity of the binding: the +sip.instance (RFC 5626 §4.1) when given, else the contact URI */
  readonly key: string;
  readonly expiresAt: number;
  readonly q: number | undefined;
  readonly callId: string;
  readonly cseq: number;
  /** where the REGISTER really came from: the route to the phone */
  readonly flow: Flow;
  readonly userAgent: string | undefined;
  readonly instanceId: string | undefined;
  /** first registration of this binding (ms) */
  readonly registeredAt: number;
  /** last REGISTER that refreshed it (ms): "the latest registered device" */
  readonly updatedAt: number;
  readonly owner: BindingOwner;
}

export interface ContactChange {
  contact: string;
  key: string;
  /** granted seconds; 0 removes the binding */
  expires: number;
  q?: number;
  instanceId?: string;
}

export interface RegisterUpdate {
  aor: string;
  owner: BindingOwner;
  callId: string;
  cseq: number;
  flow: Flow;
  userAgent?: string;
  /** the REGISTER's contacts, or 'remove-all' for `Contact: *` with Expires: 0 (RFC 3261 §10.2.2) */
  changes: ContactChange[] | 'remove-all';
  /** user's multi contact off: the new binding replaces every other one of the AoR */
  single: boolean;
}

export type ApplyResult =
  | { ok: true; bindings: Binding[] }
  /** RFC 3261 §10.3 step 7: same Call-ID with a CSeq not higher than the stored one */
  | { ok: false; code: 'EDGE_REG_OUT_OF_ORDER' };

export type LocationListener = (aor: string, bindings: readonly Binding[]) => void;

export interface LocationService {
  /** Live bindings of an AoR, the most recently refreshed first. */
  lookup(aor: string): Promise<Binding[]>;
  /** Applies one REGISTER atomically; returns the AoR's bindings afterwards. */
  apply(u: RegisterUpdate): Promise<ApplyResult>;
  /** A connection closed: bindings that can only be reached through it are gone. Returns how many. */
  dropConnection(connectionId: string): Promise<number>;
  /** Every AoR whose bindings changed (register, unregister, expiry, dropped connection). */
  onChange(l: LocationListener): () => void;
  /** Number of live bindings (metrics, tests). */
  size(): number;
  /** The location service's time (ms): expiry is measured against it. */
  now(): number;
  close(): Promise<void>;
}

/** The address of record for a terminal: `sip:name@domain` (RFC 3261 §10.3 step 5 canonical form). */
export function aorOf(name: string, domain: string): string {
  return `sip:${name}@${domain.toLowerCase()}`;
}

export interface MemoryLocationOptions {
  clock?: Clock;
  /** period of the expiry sweep (default 10 s); lookups never return expired bindings anyway */
  sweepMs?: number;
}

export class MemoryLocation implements LocationService {
  readonly #clock: Clock;
  readonly #aors = new Map<string, Map<string, Binding>>();
  readonly #listeners = new Set<LocationListener>();
  readonly #sweepMs: number;
  #timer: TimerHandle | undefined;
  #closed = false;

  constructor(o: MemoryLocationOptions = {}) {
    this.#clock = o.clock ?? realClock;
    this.#sweepMs = o.sweepMs ?? 10_000;
    this.#schedule();
  }

  async lookup(aor: string): Promise<Binding[]> {
    return this.lookupSync(aor);
  }

  lookupSync(aor: string): Binding[] {
    const m = this.#aors.get(aor);
    if (!m) return [];
    const now = this.#clock.now();
    // the map is kept in update order: reversed, ties of the same millisecond still list the latest first
    return [...m.values()].reverse().filter((b) => b.expiresAt > now).sort((a, b) => b.updatedAt - a.updatedAt);
  }

  async apply(u: RegisterUpdate): Promise<ApplyResult> {
    const now = this.#clock.now();
    const current = this.#aors.get(u.aor) ?? new Map<string, Binding>();
    for (const [k, b] of current) if (b.expiresAt <= now) current.delete(k);
    // RFC 3261 §10.3 step 7: a request older than what built a binding fails as a whole.
    const touched = u.changes === 'remove-all' ? [...current.values()] : u.changes.map((c) => current.get(c.key)).filter((b) => b !== undefined);
    for (const b of touched) if (b.callId === u.callId && u.cseq <= b.cseq) return { ok: false, code: 'EDGE_REG_OUT_OF_ORDER' };
    const next = new Map(current);
    if (u.changes === 'remove-all') next.clear();
    else {
      for (const c of u.changes) {
        if (c.expires <= 0) {
          next.delete(c.key);
          continue;
        }
        const prev = next.get(c.key);
        next.delete(c.key);
        next.set(c.key, {
          aor: u.aor,
          contact: c.contact,
          key: c.key,
          expiresAt: now + c.expires * 1000,
          q: c.q,
          callId: u.callId,
          cseq: u.cseq,
          flow: u.flow,
          userAgent: u.userAgent,
          instanceId: c.instanceId,
          registeredAt: prev?.registeredAt ?? now,
          updatedAt: now,
          owner: u.owner,
        });
      }
      if (u.single) {
        // Multi contact off: only the device that registered last stays (seed-part2 §1.1 Multi Contact).
        const kept = u.changes.filter((c) => c.expires > 0).at(-1)?.key;
        for (const k of [...next.keys()]) if (k !== kept) next.delete(k);
      }
    }
    if (next.size === 0) this.#aors.delete(u.aor);
    else this.#aors.set(u.aor, next);
    const bindings = this.lookupSync(u.aor);
    this.#emit(u.aor, bindings);
    return { ok: true, bindings };
  }

  async dropConnection(connectionId: string): Promise<number> {
    let n = 0;
    for (const [aor, m] of this.#aors) {
      let changed = false;
      for (const [k, b] of m) {
        if (b.flow.connectionId === connectionId) {
          m.delete(k);
          changed = true;
          n++;
        }
      }
      if (!changed) continue;
      if (m.size === 0) this.#aors.delete(aor);
      this.#emit(aor, this.lookupSync(aor));
    }
    return n;
  }

  onChange(l: LocationListener): () => void {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  }

  now(): number {
    return this.#clock.now();
  }

  size(): number {
    const now = this.#clock.now();
    let n = 0;
    for (const m of this.#aors.values()) for (const b of m.values()) if (b.expiresAt > now) n++;
    return n;
  }

  /** Removes expired bindings now and reports the AoRs that changed (also run by the periodic sweep). */
  sweep(): void {
    const now = this.#clock.now();
    for (const [aor, m] of this.#aors) {
      let changed = false;
      for (const [k, b] of m) {
        if (b.expiresAt <= now) {
          m.delete(k);
          changed = true;
        }
      }
      if (!changed) continue;
      if (m.size === 0) this.#aors.delete(aor);
      this.#emit(aor, this.lookupSync(aor));
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#clock.clearTimeout(this.#timer);
  }

  #schedule(): void {
    if (this.#closed || this.#sweepMs <= 0) return;
    this.#timer = this.#clock.setTimeout(() => {
      this.sweep();
      this.#schedule();
    }, this.#sweepMs);
  }

  #emit(aor: string, bindings: readonly Binding[]): void {
    for (const l of this.#listeners) {
      try {
        l(aor, bindings);
      } catch {
        // a listener's bug must not break registration
      }
    }
  }
}
