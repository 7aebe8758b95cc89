// Location service (RFC 3261 §10.3): address of record → bindings (contacts with expiry and the flow they came
// from). The interface is asynchronous so a shared implementation (Redis, cluster mode) can sit behind it; the
// in-memory one below serves the embedded single-node setup. Changes are reported to listeners (the
// `registrations` table mirror) and never wait for them.
import { realClock, type Clock, type TimerHandle } from '../../sip/clock.ts';
import type { EdgeNode, Flow } from './flow.ts';

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
  /**
   * The edge node that owns the flow (cluster): another edge relays requests for this binding to that node's
   * internal listener instead of sending to the phone itself. Undefined: the local node (embedded mode).
   */
  readonly edge: EdgeNode | undefined;
}

/** A binding as the registrations mirror kept it: everything but the edge, which is the restoring one. */
export type RestoredBinding = Omit<Binding, 'edge'>;

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

/**
 * 'local': this node applied the change (write-once consumers such as the registrations mirror act on these);
 * 'remote': another edge sharing the location applied it (caches, keep-alives of owned bindings).
 */
export type ChangeOrigin = 'local' | 'remote';
export type LocationListener = (aor: string, bindings: readonly Binding[], origin: ChangeOrigin) => void;

/**
 * The shared location (Redis) did not answer: a runtime-state outage, not a bug. The edge answers 503 with
 * Retry-After and keeps going; the client reconnects by itself (src/store/runtime/redis.ts).
 */
export class LocationUnavailableError extends Error {
  readonly code = 'EDGE_LOCATION_UNAVAILABLE';
  constructor(cause: unknown) {
    super(`location service unavailable: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
}

export interface LocationService {
  /** true when other edge nodes share these bindings (Redis): changes arrive from elsewhere too */
  readonly shared: boolean;
  /** Live bindings of an AoR, the most recently refreshed first. */
  lookup(aor: string): Promise<Binding[]>;
  /** Applies one REGISTER atomically; returns the AoR's bindings afterwards. */
  apply(u: RegisterUpdate): Promise<ApplyResult>;
  /** A connection closed: bindings that can only be reached through it are gone. Returns how many. */
  dropConnection(connectionId: string): Promise<number>;
  /**
   * Puts back bindings this edge held before they were lost (registrations-mirror.ts): each one whose key its AoR
   * does not hold (a phone that registered again meanwhile keeps its new binding) and that has not expired; owned by
   * this edge (call after attachEdge). Only flows without a connection (UDP): a connection's binding dies with it.
   * Listeners hear of each AoR changed. Returns how many were put back.
   */
  restore(bindings: readonly RestoredBinding[]): Promise<number>;
  /**
   * Shared location only: `l` runs when the store turns out to have lost every binding (Redis restarted without
   * persistence), so each edge can put back what it owns (registrations-mirror.ts). Returns the unsubscribe.
   */
  onLost(l: () => Promise<void>): () => void;
  /**
   * Resolves once the location has checked that its store still holds its bindings and, if it lost them, every
   * onLost listener has finished. Call before trusting what lookups return after an outage.
   */
  checkLost(): Promise<void>;
  /** Every AoR whose bindings changed (register, unregister, expiry, dropped connection). */
  onChange(l: LocationListener): () => void;
  /** Number of live bindings (metrics, tests). */
  size(): number;
  /** The location service's time (ms): expiry is measured against it. */
  now(): number;
  /**
   * Holds the node id for this process before it takes requests (cluster: waits out a crashed predecessor's claim,
   * refuses an id another running edge holds). attachEdge claims it too when this was not called.
   */
  claimNode(id: string): Promise<void>;
  /** The edge node using this location: bindings applied from now on are owned by it (cluster: announced). */
  attachEdge(node: EdgeNode): Promise<void>;
  /** Is host:port the internal listener of another edge node sharing this location? (cached, never waits) */
  isPeerEdge(host: string, port: number): boolean;
  /** Reloads the peer edges (after a miss: a node that started a moment ago). */
  refreshPeers(): Promise<void>;
  close(): Promise<void>;
}

/** The address of record for a terminal: `sip:name@domain` (RFC 3261 §10.3 step 5 canonical form). */
export function aorOf(name: string, domain: string): string {
  return `sip:${name}@${domain.toLowerCase()}`;
}


// --- rules shared by every implementation (pure: the same semantics in memory and in Redis) -----------------

/** Live bindings, most recently refreshed first; `stored` is in update order (oldest first). */
export function liveBindings(stored: readonly Binding[], now: number): Binding[] {
  // reversed first, so ties of the same millisecond still list the latest update first (sort is stable)
  return [...stored].reverse().filter((b) => b.expiresAt > now).sort((a, b) => b.updatedAt - a.updatedAt);
}

/**
 * The AoR's bindings with `restored` put back (see LocationService.restore), in update order; 'unchanged' when none
 * is put back.
 */
export function mergeRestored(stored: readonly Binding[], restored: readonly RestoredBinding[], now: number, edge: EdgeNode | undefined): Binding[] | 'unchanged' {
  const held = new Set(stored.filter((b) => b.expiresAt > now).map((b) => b.key));
  const add: Binding[] = [];
  for (const b of restored) {
    if (b.expiresAt <= now || held.has(b.key)) continue;
    held.add(b.key);
    add.push({ ...b, edge });
  }
  if (add.length === 0) return 'unchanged';
  return [...stored, ...add].sort((a, b) => a.updatedAt - b.updatedAt);
}

/**
 * One REGISTER against an AoR's stored bindings (update order). Returns the new stored list (update order,
 * expired ones dropped) or the §10.3 step 7 failure. `edge` is stamped on every binding it writes.
 */
export function applyRegister(
  stored: readonly Binding[],
  u: RegisterUpdate,
  now: number,
  edge: EdgeNode | undefined,
): { ok: true; next: Binding[] } | { ok: false; code: 'EDGE_REG_OUT_OF_ORDER' } {
  const current = new Map<string, Binding>();
  for (const b of stored) if (b.expiresAt > now) current.set(b.key, b);
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
      next.delete(c.key); // re-inserted last: the map keeps update order
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
        edge,
      });
    }
    if (u.single) {
      // Multi contact off: only the device that registered last stays (seed-part2 §1.1 Multi Contact).
      const kept = u.changes.filter((c) => c.expires > 0).at(-1)?.key;
      for (const k of [...next.keys()]) if (k !== kept) next.delete(k);
    }
  }
  return { ok: true, next: [...next.values()] };
}

/** Is this binding reachable only through that connection of that edge node? (`node` undefined: local) */
export function onConnection(b: Binding, connectionId: string, node: string | undefined): boolean {
  return b.flow.connectionId === connectionId && (b.edge === undefined || b.edge.id === node);
}

export interface MemoryLocationOptions {
  clock?: Clock;
  /** period of the expiry sweep (default 10 s); lookups never return expired bindings anyway */
  sweepMs?: number;
}

export class MemoryLocation implements LocationService {
  readonly shared = false;
  readonly #clock: Clock;
  /** AoR → bindings in update order (oldest first) */
  readonly #aors = new Map<string, Binding[]>();
  /** connection id → AoRs with a binding on it (TCP/TLS/WS flows): a closed connection finds its AoRs directly */
  readonly #byConnection = new Map<string, Set<string>>();
  readonly #listeners = new Set<LocationListener>();
  readonly #sweepMs: number;
  #edge: EdgeNode | undefined;
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
    return liveBindings(this.#aors.get(aor) ?? [], this.#clock.now());
  }

  async apply(u: RegisterUpdate): Promise<ApplyResult> {
    const now = this.#clock.now();
    const r = applyRegister(this.#aors.get(u.aor) ?? [], u, now, this.#edge);
    if (!r.ok) return r;
    this.#set(u.aor, r.next);
    const bindings = liveBindings(r.next, now);
    this.#emit(u.aor, bindings);
    return { ok: true, bindings };
  }

  async dropConnection(connectionId: string): Promise<number> {
    const aors = this.#byConnection.get(connectionId);
    if (aors === undefined) return 0;
    let n = 0;
    for (const aor of [...aors]) {
      const list = this.#aors.get(aor) ?? [];
      const kept = list.filter((b) => !onConnection(b, connectionId, this.#edge?.id));
      if (kept.length === list.length) continue;
      n += list.length - kept.length;
      this.#set(aor, kept);
      this.#emit(aor, this.lookupSync(aor));
    }
    return n;
  }

  async restore(bindings: readonly RestoredBinding[]): Promise<number> {
    const now = this.#clock.now();
    let n = 0;
    for (const [aor, list] of groupByAor(bindings)) {
      const stored = this.#aors.get(aor) ?? [];
      const next = mergeRestored(stored, list, now, this.#edge);
      if (next === 'unchanged') continue;
      n += next.length - stored.length;
      this.#set(aor, next);
      this.#emit(aor, liveBindings(next, now));
    }
    return n;
  }

  onChange(l: LocationListener): () => void {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  }

  /** Embedded mode: the bindings live and die with this process; nothing is lost behind its back. */
  onLost(): () => void {
    return () => undefined;
  }

  async checkLost(): Promise<void> {}

  now(): number {
    return this.#clock.now();
  }

  size(): number {
    const now = this.#clock.now();
    let n = 0;
    for (const list of this.#aors.values()) for (const b of list) if (b.expiresAt > now) n++;
    return n;
  }

  /** Embedded mode: one process owns these bindings, there is nothing to claim. */
  async claimNode(): Promise<void> {}

  async attachEdge(node: EdgeNode): Promise<void> {
    this.#edge = node;
  }

  /** Embedded mode: no other edge shares these bindings. */
  isPeerEdge(): boolean {
    return false;
  }

  async refreshPeers(): Promise<void> {}

  /** Removes expired bindings now and reports the AoRs that changed (also run by the periodic sweep). */
  sweep(): void {
    const now = this.#clock.now();
    for (const [aor, list] of [...this.#aors]) {
      const kept = list.filter((b) => b.expiresAt > now);
      if (kept.length === list.length) continue;
      this.#set(aor, kept);
      this.#emit(aor, liveBindings(kept, now));
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#clock.clearTimeout(this.#timer);
  }

  #set(aor: string, list: Binding[]): void {
    const old = this.#aors.get(aor);
    if (old !== undefined) for (const b of old) if (b.flow.connectionId !== undefined) this.#unindex(b.flow.connectionId, aor);
    if (list.length === 0) this.#aors.delete(aor);
    else this.#aors.set(aor, list);
    for (const b of list) {
      const id = b.flow.connectionId;
      if (id === undefined) continue;
      let aors = this.#byConnection.get(id);
      if (aors === undefined) this.#byConnection.set(id, (aors = new Set()));
      aors.add(aor);
    }
  }

  #unindex(connectionId: string, aor: string): void {
    const aors = this.#byConnection.get(connectionId);
    if (aors === undefined) return;
    aors.delete(aor);
    if (aors.size === 0) this.#byConnection.delete(connectionId);
  }

  #schedule(): void {
    if (this.#closed || this.#sweepMs <= 0) return;
    this.#timer = this.#clock.setTimeout(() => {
      this.sweep();
      this.#schedule();
    }, this.#sweepMs);
  }

  #emit(aor: string, bindings: readonly Binding[]): void {
    emitChange(this.#listeners, aor, bindings, 'local');
  }
}

export function groupByAor<B extends { aor: string }>(bindings: readonly B[]): Map<string, B[]> {
  const by = new Map<string, B[]>();
  for (const b of bindings) {
    const list = by.get(b.aor);
    if (list) list.push(b);
    else by.set(b.aor, [b]);
  }
  return by;
}

/** Calls every listener; a listener's bug must not break registration. */
export function emitChange(listeners: Iterable<LocationListener>, aor: string, bindings: readonly Binding[], origin: ChangeOrigin): void {
  for (const l of listeners) {
    try {
      l(aor, bindings, origin);
    } catch {
      // ignored on purpose: see above
    }
  }
}
