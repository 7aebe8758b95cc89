// Location service in Redis (cluster mode): every edge node sharing the Redis sees every binding. Semantics are
// MemoryLocation's (the same pure rules in location.ts); only storage and notification differ.
//
// Layout (prefix `sy:` by default):
//   loc:<aor>   string, JSON array of the AoR's bindings in update order; key TTL = latest expiry + grace, as
//               garbage collection only (expiry is decided on read against `expiresAt`, in the location clock)
//   loc-exp     sorted set, member `<aor>\n<key>` scored by expiresAt: the cluster-wide expiry index (sweeps,
//               size) — any node's sweep cleans any AoR, so expiry does not depend on the node that registered
//   loc         channel: JSON {o: instance, a: aor} after each change (others re-read the AoR)
//   edges       hash id → JSON EdgeNode: the edge nodes and their internal listeners (peer trust, relays)
//   edge-alive:<id>  string, the instance holding NODE_NAME <id>, kept alive (PX) while that process runs: a second
//               live process with the same NODE_NAME is refused, a crashed one's claim lapses (attachEdge)
//   conn-aors:<id>  set of the AoRs that got a binding over a TCP/TLS/WS connection of edge <id>: all a restarted
//               edge has to look at to remove its predecessor's dead connection bindings (purgeDeadConnections)
//   edges       channel: an edge joined or left
//   loc-epoch   random id set by whoever finds none: a Redis that comes back without it has lost every binding
//               (restarted without persistence), and each edge puts back what it owns (onLost, checkLost)
//
// Atomicity (RFC 3261 §10.3: the bindings update of one REGISTER is all-or-nothing): read the AoR, apply the
// rules in TypeScript, write with a compare-and-set Lua script that fails when the stored value changed
// meanwhile; then retry. No WATCH, so one connection serves concurrent updates.
import { randomBytes } from 'node:crypto';
import { realClock, type Clock, type TimerHandle } from '../../sip/clock.ts';
import type { RuntimeRedis } from '../../store/runtime/redis.ts';
import type { EdgeNode } from './flow.ts';
import {
  applyRegister,
  emitChange,
  groupByAor,
  liveBindings,
  mergeRestored,
  LocationUnavailableError,
  onConnection,
  type ApplyResult,
  type Binding,
  type LocationListener,
  type LocationService,
  type RegisterUpdate,
  type RestoredBinding,
} from './location.ts';

export interface RedisLocationOptions {
  redis: RuntimeRedis;
  clock?: Clock;
  /** period of the expiry sweep (default 10 s; 0 = none, tests call sweep()) */
  sweepMs?: number;
  /** extra lifetime of a Redis key after its latest binding expired (default 60 s) */
  graceMs?: number;
  /**
   * Lifetime of this edge's claim on its node id, renewed every third of it (default 15 s, real time). A process
   * starting under an id held by a live one is refused after this long; one that crashed frees it within this long.
   */
  claimMs?: number;
  /**
   * Another process took this edge's NODE_NAME while it ran (its renewals were missed for longer than claimMs, a
   * Redis restart): two edges under one name remove each other's bindings, so this one should stop. Default: onError.
   */
  onClaimLost?: (err: NodeNameInUseError) => void;
  onError?: (err: unknown) => void;
}

/** Another running edge holds this NODE_NAME (two processes under one name would remove each other's bindings). */
export class NodeNameInUseError extends Error {
  readonly code = 'NODE_NAME_IN_USE';
  /** `waitedMs`: how long a starting edge waited; null: the name was taken from a running one. */
  constructor(id: string, waitedMs: number | null) {
    super(waitedMs === null
      ? `NODE_NAME "${id}" was taken over by another edge while this one ran: give every node its own NODE_NAME`
      : `NODE_NAME "${id}" is held by another running edge (its claim in Redis was renewed for ${Math.round(waitedMs / 1000)} s ` +
        'while this one waited): give every node its own NODE_NAME');
    this.name = 'NodeNameInUseError';
  }
}

// KEYS[1] edge-alive:<id>  ARGV: 1 instance  2 ms. Renews our claim; takes it when it lapsed (a restarted Redis
// without persistence forgot it). Returns 1, or 0 when another instance holds it.
const RENEW_CLAIM = `
local cur = redis.call('GET', KEYS[1])
if cur == false or cur == ARGV[1] then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0
`;
// KEYS[1] edge-alive:<id>  ARGV: 1 instance. Gives the claim up if it is ours.
const RELEASE_CLAIM = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
`;

// KEYS[1] loc:<aor>  KEYS[2] loc-exp
// ARGV: 1 expected raw ('' = absent)  2 new raw ('' = delete)  3 ttl ms  4 channel  5 message ('' = none)
//       6 number of members to remove, then those members, then (score, member) pairs to add
const CAS = `
local cur = redis.call('GET', KEYS[1])
if cur == false then cur = '' end
if cur ~= ARGV[1] then return -1 end
if ARGV[2] == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
local nrem = tonumber(ARGV[6])
for i = 7, 6 + nrem do redis.call('ZREM', KEYS[2], ARGV[i]) end
for i = 7 + nrem, #ARGV, 2 do redis.call('ZADD', KEYS[2], ARGV[i], ARGV[i + 1]) end
if ARGV[5] ~= '' then redis.call('PUBLISH', ARGV[4], ARGV[5]) end
return 1
`;

const MAX_ATTEMPTS = 50;

type Transform = (stored: Binding[], now: number) => { ok: true; next: Binding[] } | { ok: false; code: 'EDGE_REG_OUT_OF_ORDER' } | 'unchanged';

/** A stored binding, rebuilt field by field (JSON drops undefined fields; bindings compare equal across stores). */
function revive(o: Record<string, unknown>): Binding {
  const b = o as unknown as Binding;
  return {
    aor: b.aor,
    contact: b.contact,
    key: b.key,
    expiresAt: b.expiresAt,
    q: b.q ?? undefined,
    callId: b.callId,
    cseq: b.cseq,
    flow: { transport: b.flow.transport, host: b.flow.host, port: b.flow.port, ...(b.flow.connectionId !== undefined ? { connectionId: b.flow.connectionId } : {}) },
    userAgent: b.userAgent ?? undefined,
    instanceId: b.instanceId ?? undefined,
    registeredAt: b.registeredAt,
    updatedAt: b.updatedAt,
    owner: { clientId: b.owner.clientId, terminalId: b.owner.terminalId, userId: b.owner.userId },
    edge: b.edge ? { id: b.edge.id, host: b.edge.host, port: b.edge.port } : undefined,
  };
}

function parseStored(raw: string): Binding[] {
  if (raw === '') return [];
  const v = JSON.parse(raw) as unknown;
  if (!Array.isArray(v)) throw new Error('location: corrupt AoR value in Redis');
  return v.map((o) => revive(o as Record<string, unknown>));
}

/** Longest a change waits for the cached size to follow it (size() is a metric: see #sizeSoon). */
const SIZE_REFRESH_MS = 250;

/** AoRs read per MGET when a rejoining edge looks for its dead connection bindings. */
const PURGE_PAGE = 500;

export class RedisLocation implements LocationService {
  readonly shared = true;
  readonly #r: RuntimeRedis;
  readonly #clock: Clock;
  readonly #sweepMs: number;
  readonly #graceMs: number;
  readonly #onError: (err: unknown) => void;
  /** this instance, to skip its own change messages (it notified its listeners already) */
  readonly #instance = randomBytes(8).toString('hex');
  readonly #listeners = new Set<LocationListener>();
  /** local connection id → AoRs registered through it (connections live on one node only) */
  readonly #byConnection = new Map<string, Set<string>>();
  /** drops of closed connections that failed while Redis was away: connection id → AoRs still to clean */
  readonly #failedDrops = new Map<string, Set<string>>();
  /** `host|port` → peer edge */
  #peers = new Map<string, EdgeNode>();
  #edge: EdgeNode | undefined;
  #size = 0;
  #sizeTimer: NodeJS.Timeout | undefined;
  #timer: TimerHandle | undefined;
  #unsubscribe: Array<() => void> = [];
  #closed = false;
  readonly #claimMs: number;
  #claimTimer: NodeJS.Timeout | undefined;
  /** the node id this process holds (claimNode) */
  #claimed: string | undefined;
  #claimLost = false;
  readonly #onClaimLost: ((err: NodeNameInUseError) => void) | undefined;
  /** the loc-epoch this node's view belongs to */
  #epoch = '';
  readonly #lostListeners = new Set<() => Promise<void>>();
  /** the check running now: concurrent callers wait for the same one, listeners included */
  #checking: Promise<void> | null = null;

  private constructor(o: RedisLocationOptions) {
    this.#r = o.redis;
    this.#clock = o.clock ?? realClock;
    this.#sweepMs = o.sweepMs ?? 10_000;
    this.#graceMs = o.graceMs ?? 60_000;
    this.#claimMs = o.claimMs ?? 15_000;
    this.#onClaimLost = o.onClaimLost;
    this.#onError = o.onError ?? ((e) => console.error('location (redis):', e));
  }

  /** Subscribes to change messages and loads the peer edges before returning. */
  static async open(o: RedisLocationOptions): Promise<RedisLocation> {
    const loc = new RedisLocation(o);
    loc.#unsubscribe.push(await loc.#r.subscribe(loc.#r.key('loc'), (m) => loc.#onMessage(m)));
    loc.#unsubscribe.push(await loc.#r.subscribe(loc.#r.key('edges'), () => void loc.refreshPeers().catch(loc.#onError)));
    await loc.refreshPeers();
    await loc.#refreshSize();
    loc.#epoch = await loc.#currentEpoch();
    loc.#schedule();
    // after a lost connection: announce this edge again (a restarted Redis without persistence forgot it) and
    // re-read the peers (changes meanwhile were missed)
    const onReady = (): void => {
      if (loc.#closed) return;
      const node = loc.#edge;
      void (async () => {
        if (node) {
          await loc.#announce(node);
          // close() ran meanwhile and already deleted the entry: do not leave a departed edge behind
          if (loc.#closed) await loc.#r.client.hdel(loc.#r.key('edges'), node.id);
        }
        await loc.refreshPeers();
        await loc.checkLost();
        for (const [id, aors] of [...loc.#failedDrops]) {
          loc.#failedDrops.delete(id);
          const known = loc.#byConnection.get(id);
          loc.#byConnection.set(id, known ? new Set([...known, ...aors]) : aors);
          await loc.dropConnection(id);
        }
      })().catch(loc.#onError);
    };
    loc.#r.client.on('ready', onReady);
    loc.#unsubscribe.push(() => loc.#r.client.off('ready', onReady));
    return loc;
  }

  async lookup(aor: string): Promise<Binding[]> {
    let raw: string;
    try {
      raw = (await this.#r.client.get(this.#aorKey(aor))) ?? '';
    } catch (e) {
      throw new LocationUnavailableError(e);
    }
    return liveBindings(parseStored(raw), this.#clock.now());
  }

  async apply(u: RegisterUpdate): Promise<ApplyResult> {
    let r: ApplyResult;
    try {
      r = await this.#update(u.aor, (stored, now) => applyRegister(stored, u, now, this.#edge));
    } catch (e) {
      throw new LocationUnavailableError(e);
    }
    if (!r.ok) return r;
    if (u.flow.connectionId !== undefined && r.bindings.some((b) => b.flow.connectionId === u.flow.connectionId)) {
      let set = this.#byConnection.get(u.flow.connectionId);
      if (!set) this.#byConnection.set(u.flow.connectionId, (set = new Set()));
      if (!set.has(u.aor)) {
        set.add(u.aor);
        // once per AoR and connection (refreshes over the same connection add nothing): the restart index
        if (this.#edge) await this.#r.client.sadd(this.#connAorsKey(this.#edge.id), u.aor).catch((e: unknown) => this.#onError(e));
      }
    }
    return r;
  }

  async dropConnection(connectionId: string): Promise<number> {
    const aors = this.#byConnection.get(connectionId);
    this.#byConnection.delete(connectionId);
    let n = 0;
    const left = new Set(aors ?? []);
    try {
      const edgeId = this.#edge?.id;
      for (const aor of aors ?? []) {
        let keepsOurs = false;
        await this.#update(aor, (stored) => {
          const kept = stored.filter((b) => !onConnection(b, connectionId, edgeId));
          n += stored.length - kept.length;
          keepsOurs = kept.some((b) => b.flow.connectionId !== undefined && b.edge?.id === edgeId);
          return kept.length === stored.length ? 'unchanged' : { ok: true, next: kept };
        });
        left.delete(aor);
        if (edgeId !== undefined && !keepsOurs) await this.#r.client.srem(this.#connAorsKey(edgeId), aor);
      }
    } catch (e) {
      // Redis is away: the drop is retried when it is back (#onReady), so a dead flow's bindings do not linger
      this.#failedDrops.set(connectionId, left);
      throw new LocationUnavailableError(e);
    }
    return n;
  }

  async restore(bindings: readonly RestoredBinding[]): Promise<number> {
    let n = 0;
    try {
      for (const [aor, list] of groupByAor(bindings)) {
        let added = 0; // of the attempt that was written (a compare-and-set conflict runs the transform again)
        await this.#update(aor, (stored, now) => {
          const next = mergeRestored(stored, list, now, this.#edge);
          added = next === 'unchanged' ? 0 : next.length - stored.length;
          return next === 'unchanged' ? 'unchanged' : { ok: true, next };
        });
        n += added;
      }
    } catch (e) {
      throw new LocationUnavailableError(e);
    }
    return n;
  }

  onLost(l: () => Promise<void>): () => void {
    this.#lostListeners.add(l);
    return () => this.#lostListeners.delete(l);
  }

  checkLost(): Promise<void> {
    this.#checking ??= (async () => {
      try {
        const epoch = await this.#currentEpoch();
        if (epoch === this.#epoch) return;
        this.#epoch = epoch;
        this.#onError(new Error('location: Redis lost every binding (restarted without persistence?): this edge puts back its own'));
        for (const l of this.#lostListeners) await l().catch(this.#onError);
        await this.#refreshSize();
      } finally {
        this.#checking = null;
      }
    })();
    return this.#checking;
  }

  #currentEpoch(): Promise<string> {
    return this.#r.epoch(this.#r.key('loc-epoch'));
  }

  onChange(l: LocationListener): () => void {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  }

  /** Live bindings in the cluster, as of the last sweep, or a change or message seen here up to 250 ms ago (cached). */
  size(): number {
    return this.#size;
  }

  now(): number {
    return this.#clock.now();
  }

  /**
   * Joins as edge `node`: claims its id (waiting out a crashed predecessor's claim, refusing a live twin's with
   * NodeNameInUseError), removes what a predecessor under this id left, and announces the node to its peers.
   */
  async attachEdge(node: EdgeNode): Promise<void> {
    await this.claimNode(node.id);
    if (this.#closed) return;
    this.#edge = node;
    await this.purgeDeadConnections(node.id);
    await this.#announce(node);
  }

  async claimNode(id: string): Promise<void> {
    if (this.#claimed === id || this.#closed) return;
    const key = this.#claimKey(id);
    const started = Date.now();
    const poll = Math.max(50, Math.floor(this.#claimMs / 10));
    // A crashed process's claim lapses within claimMs; a live one keeps renewing it past that.
    while ((await this.#r.client.set(key, this.#instance, 'PX', this.#claimMs, 'NX')) !== 'OK') {
      if (this.#closed) return;
      if (Date.now() - started > this.#claimMs + poll) throw new NodeNameInUseError(id, Date.now() - started);
      await new Promise((r) => setTimeout(r, poll));
    }
    if (this.#closed) {
      await this.#r.script(RELEASE_CLAIM, [key], [this.#instance]).catch(() => 0);
      return;
    }
    this.#claimed = id;
    this.#claimTimer = setInterval(() => {
      if (this.#r.client.status !== 'ready') return; // an outage is reported once, by the connection
      this.#r.script(RENEW_CLAIM, [key], [this.#instance, this.#claimMs]).then((held) => {
        if (held === 1 || this.#closed || this.#claimLost) return;
        this.#claimLost = true; // told once
        clearInterval(this.#claimTimer);
        const err = new NodeNameInUseError(id, null);
        (this.#onClaimLost ?? this.#onError)(err);
      }, (e: unknown) => {
        if (!this.#closed) this.#onError(e);
      });
    }, Math.max(10, Math.floor(this.#claimMs / 3)));
    this.#claimTimer.unref();
  }

  async #announce(node: EdgeNode): Promise<void> {
    await this.#r.client.hset(this.#r.key('edges'), node.id, JSON.stringify(node));
    await this.#r.client.publish(this.#r.key('edges'), node.id);
  }

  /**
   * A node (re)joining holds no connection yet, so bindings registered through a TCP/TLS/WS connection of an earlier
   * process under its id are dead: that connection died with the process (a crash leaves them behind; the phones
   * register again over new connections). Removed before the node takes requests. Returns how many went.
   */
  async purgeDeadConnections(nodeId: string): Promise<number> {
    // only the AoRs that ever got a connection binding through this node (the index apply() keeps), not the cluster
    const index = this.#connAorsKey(nodeId);
    const all = await this.#r.client.smembers(index);
    const dead = (b: Binding) => b.flow.connectionId !== undefined && b.edge?.id === nodeId;
    // read in MGET pages (a start must not cost one round trip per AoR of the cluster); write only where needed
    const aors: string[] = [];
    for (let i = 0; i < all.length; i += PURGE_PAGE) {
      const page = all.slice(i, i + PURGE_PAGE);
      const raws = await this.#r.client.mget(...page.map((a) => this.#aorKey(a)));
      page.forEach((aor, k) => {
        let stored: Binding[] = [];
        try {
          stored = parseStored(raws[k] ?? '');
        } catch {
          return; // a corrupt value is left to the compare-and-set path that meets it
        }
        if (stored.some(dead)) aors.push(aor);
      });
    }
    let n = 0;
    for (const aor of aors) {
      await this.#update(aor, (stored) => {
        const kept = stored.filter((b) => !dead(b));
        n += stored.length - kept.length;
        return kept.length === stored.length ? 'unchanged' : { ok: true, next: kept };
      });
    }
    // none of them has a live connection binding of this node now: this node's connections start afresh
    if (all.length > 0) await this.#r.client.srem(index, ...all);
    return n;
  }

  isPeerEdge(host: string, port: number): boolean {
    const p = this.#peers.get(`${host.toLowerCase()}|${port}`);
    return p !== undefined && p.id !== this.#edge?.id;
  }

  async refreshPeers(): Promise<void> {
    const all = await this.#r.client.hgetall(this.#r.key('edges'));
    const next = new Map<string, EdgeNode>();
    for (const v of Object.values(all)) {
      try {
        const e = JSON.parse(v) as EdgeNode;
        next.set(`${e.host.toLowerCase()}|${e.port}`, e);
      } catch {
        // a foreign value under our prefix: ignored
      }
    }
    this.#peers = next;
  }

  /**
   * Removes expired bindings of every AoR in the cluster whose expiry passed (any node may do it; the
   * compare-and-set makes concurrent sweeps harmless and only the winner reports the change).
   */
  async sweep(): Promise<void> {
    const now = this.#clock.now();
    const due = await this.#r.client.zrangebyscore(this.#r.key('loc-exp'), '-inf', now, 'LIMIT', 0, 1000);
    const byAor = new Map<string, string[]>();
    for (const m of due) {
      const aor = m.slice(0, m.indexOf('\n'));
      byAor.set(aor, [...(byAor.get(aor) ?? []), m]);
    }
    for (const [aor, members] of byAor) {
      // the due members go too: a key Redis already collected (TTL) left them behind
      await this.#update(aor, (stored, t) => ({ ok: true, next: stored.filter((b) => b.expiresAt > t) }), members);
    }
    await this.#refreshSize();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#clock.clearTimeout(this.#timer);
    clearTimeout(this.#sizeTimer);
    for (const u of this.#unsubscribe) u();
    clearInterval(this.#claimTimer);
    if (this.#edge) {
      // leaving: peers stop trusting this address (a restarted node announces itself again)
      await this.#r.client.hdel(this.#r.key('edges'), this.#edge.id).catch(() => 0);
      await this.#r.client.publish(this.#r.key('edges'), this.#edge.id).catch(() => 0);
    }
    // the name is free at once for the next process
    if (this.#claimed) await this.#r.script(RELEASE_CLAIM, [this.#claimKey(this.#claimed)], [this.#instance]).catch(() => 0);
  }

  // --- internals ------------------------------------------------------------------------------------------

  #aorKey(aor: string): string {
    return this.#r.key('loc', aor);
  }

  #claimKey(nodeId: string): string {
    return this.#r.key('edge-alive', nodeId);
  }

  #connAorsKey(nodeId: string): string {
    return this.#r.key('conn-aors', nodeId);
  }

  /**
   * Read, transform, compare-and-set, retry. `sweep`: expiry-index members to remove whatever is stored; the
   * write happens even when nothing changed (it repairs the index). Listeners hear only of real changes.
   */
  async #update(aor: string, transform: Transform, sweep?: string[]): Promise<ApplyResult> {
    const key = this.#aorKey(aor);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const raw = (await this.#r.client.get(key)) ?? '';
      const stored = parseStored(raw);
      const now = this.#clock.now();
      const t = transform(stored, now);
      if (t === 'unchanged') return { ok: true, bindings: liveBindings(stored, now) };
      if (!t.ok) return t;
      const nextRaw = t.next.length === 0 ? '' : JSON.stringify(t.next);
      const changed = nextRaw !== raw;
      if (!changed && !sweep) return { ok: true, bindings: liveBindings(t.next, now) };
      const latest = t.next.reduce((m, b) => Math.max(m, b.expiresAt), now);
      const ttl = Math.max(1, Math.ceil(latest - now + this.#graceMs));
      const remove = [...new Set([...stored.map((b) => `${aor}\n${b.key}`), ...(sweep ?? [])])];
      const add = t.next.flatMap((b) => [b.expiresAt, `${aor}\n${b.key}`]);
      const msg = JSON.stringify({ o: this.#instance, a: aor });
      const res = await this.#r.script(CAS, [key, this.#r.key('loc-exp')], [raw, nextRaw, ttl, this.#r.key('loc'), changed ? msg : '', remove.length, ...remove, ...add]);
      if (res === -1) continue; // someone else changed the AoR meanwhile: start again from what is stored
      const bindings = liveBindings(t.next, now);
      if (changed) {
        emitChange(this.#listeners, aor, bindings, 'local');
        this.#sizeSoon();
      }
      return { ok: true, bindings };
    }
    throw new Error(`location: gave up updating ${aor} after ${MAX_ATTEMPTS} concurrent modifications`);
  }

  #onMessage(m: string): void {
    if (m === '') return;
    let parsed: { o: string; a: string };
    try {
      parsed = JSON.parse(m) as { o: string; a: string };
    } catch {
      return;
    }
    if (parsed.o === this.#instance || this.#closed) return;
    void (async () => {
      const bindings = await this.lookup(parsed.a);
      this.#sizeSoon();
      emitChange(this.#listeners, parsed.a, bindings, 'remote');
    })().catch(this.#onError);
  }

  /**
   * Refreshes the cached size shortly, once for every change and message meanwhile: a ZCOUNT per REGISTER on every
   * node (a third of the edge's Redis round trips for a refresh) bought nothing but a fresher metric.
   */
  #sizeSoon(): void {
    if (this.#sizeTimer || this.#closed) return;
    this.#sizeTimer = setTimeout(() => {
      this.#sizeTimer = undefined;
      void this.#refreshSize().catch(this.#onError);
    }, SIZE_REFRESH_MS);
    this.#sizeTimer.unref();
  }

  async #refreshSize(): Promise<void> {
    this.#size = await this.#r.client.zcount(this.#r.key('loc-exp'), `(${this.#clock.now()}`, '+inf');
  }

  #schedule(): void {
    if (this.#closed || this.#sweepMs <= 0) return;
    this.#timer = this.#clock.setTimeout(() => {
      void this.sweep()
        .catch(this.#onError)
        .finally(() => this.#schedule());
    }, this.#sweepMs);
  }
}
