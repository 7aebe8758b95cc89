// Calls each user is handling, for the call-waiting limit (seed-part2 §1.1 "Call waiting": limits received calls
// when already handling this number of calls). In memory for one app node; in Redis when several app nodes share
// the count. Both sit behind one small synchronous interface: routing asks the count on the hot path, so the Redis
// counter answers from a local cache kept current by Redis pub/sub (a soft limit: two calls racing on two nodes
// within a few milliseconds may both get through).
import { randomBytes } from 'node:crypto';
import type { RuntimeRedis } from '../../store/runtime/redis.ts';

const randomId = (): string => randomBytes(8).toString('hex');

export interface CallCounter {
  count(userId: number): number;
  add(userId: number): void;
  remove(userId: number): void;
}

export class UserCallCounter implements CallCounter {
  readonly #n = new Map<number, number>();

  count(userId: number): number {
    return this.#n.get(userId) ?? 0;
  }

  add(userId: number): void {
    this.#n.set(userId, this.count(userId) + 1);
  }

  remove(userId: number): void {
    const n = this.count(userId) - 1;
    if (n <= 0) this.#n.delete(userId);
    else this.#n.set(userId, n);
  }
}

export interface RedisCallCounterOptions {
  redis: RuntimeRedis;
  /**
   * Safety net (default 4 h): a count not changed for this long is dropped, so the calls of a node that died
   * without ending them stop counting. Longer than any call you expect to keep a user busy.
   */
  ttlMs?: number;
  now?: () => number;
  onError?: (err: unknown) => void;
}

// The counts belong to one Redis "epoch": a random id in `calls-epoch`, set by whoever finds none. A Redis restarted
// without persistence has lost every count and starts its sequence again at 1, under a new epoch. Every node
// drops what it cached (else a count from before the restart, ahead in sequence, would hold a user busy until the
// TTL) and adds back the calls it has up itself, so the counts are whole again. After any reconnect (either
// connection: messages published meanwhile are lost) a node reloads its cache from Redis.
//
// Exactly once: ioredis sends a command again after a reconnect when no reply came, although Redis may have run it.
// So every change names its sender's epoch and a per-sender change number, and the script applies it only in that
// epoch (a change sent before a restart and resent after it would count twice: the sender adds its calls back in the
// new epoch) and only once (the highest number applied per sender is kept, for the TTL). ioredis resends in order.
//
// KEYS[1] calls-epoch, KEYS[2] calls-seq, KEYS[3] calls-op:<sender>, KEYS[4..] calls:<user>
// ARGV: 1 ttl ms  2 channel  3 epoch proposed  4 sender's epoch  5 change number, then per key: user id, delta.
// Returns {epoch, 'ok', seq, count, seq, count…}, or {epoch, 'stale'} (another epoch: nothing applied) or
// {epoch, 'dup'} (applied before). Publishes "epoch seq user count" per user so every node's cache applies changes
// in Redis order. One script carries every change of an event-loop turn (a call adds or removes two users at once).
const CHANGE = `
local epoch = redis.call('GET', KEYS[1])
if not epoch then epoch = ARGV[3]; redis.call('SET', KEYS[1], epoch) end
if epoch ~= ARGV[4] then return {epoch, 'stale'} end
local last = tonumber(redis.call('GET', KEYS[3]) or '0')
if tonumber(ARGV[5]) <= last then return {epoch, 'dup'} end
redis.call('SET', KEYS[3], ARGV[5], 'PX', ARGV[1])
local out = {epoch, 'ok'}
for i = 4, #KEYS do
  local user = ARGV[2 * i - 2]
  local n = redis.call('INCRBY', KEYS[i], ARGV[2 * i - 1])
  if n <= 0 then redis.call('DEL', KEYS[i]); n = 0 else redis.call('PEXPIRE', KEYS[i], ARGV[1]) end
  local seq = redis.call('INCR', KEYS[2])
  redis.call('PUBLISH', ARGV[2], epoch .. ' ' .. seq .. ' ' .. user .. ' ' .. n)
  out[#out + 1] = seq
  out[#out + 1] = n
end
return out
`;

interface Cached {
  n: number;
  seq: number;
  until: number;
}

export class RedisCallCounter implements CallCounter {
  readonly #r: RuntimeRedis;
  readonly #ttl: number;
  readonly #now: () => number;
  readonly #onError: (err: unknown) => void;
  readonly #cache = new Map<number, Cached>();
  /** the Redis epoch the cache belongs to */
  #epoch = '';
  /** this counter's name in the change numbering (calls-op:<sender>); new for every open */
  readonly #sender = randomId();
  /** number of the last change sent: Redis applies each number once (see CHANGE) */
  #changeNo = 0;
  /** calls up on this node, per user: added back to a Redis that lost the counts (new epoch) */
  readonly #mine = new Map<number, number>();
  /** local changes not yet confirmed by Redis (counted at once, so a burst on this node sees itself) */
  readonly #pending = new Map<number, number>();
  #inFlight = new Set<Promise<void>>();
  /** changes of this event-loop turn, not yet sent (net delta per user) */
  readonly #batch = new Map<number, number>();
  #flushSoon: NodeJS.Immediate | null = null;
  #unsubscribe: (() => void) | undefined;

  private constructor(o: RedisCallCounterOptions) {
    this.#r = o.redis;
    this.#ttl = o.ttlMs ?? 4 * 3600_000;
    this.#now = o.now ?? Date.now;
    this.#onError = o.onError ?? ((e) => console.error('call counter (redis):', e));
  }

  /** Subscribes, then loads the current counts; reloads them after every reconnect. */
  static async open(o: RedisCallCounterOptions): Promise<RedisCallCounter> {
    const c = new RedisCallCounter(o);
    const unsubscribe = await c.#r.subscribe(c.#r.key('calls'), (m) => c.#onMessage(m));
    // before the first load: a reconnect while loading must not be missed
    const offReconnect = c.#r.onReconnect(() => {
      c.#resync().catch(c.#onError);
    });
    c.#unsubscribe = () => {
      unsubscribe();
      offReconnect();
    };
    try {
      await c.#load();
    } catch (e) {
      c.#unsubscribe();
      throw e;
    }
    return c;
  }

  /** After a reconnect: the counts as Redis has them now; this node's calls back in if Redis lost them. */
  async #resync(): Promise<void> {
    this.#cache.clear();
    await this.#load();
  }

  /** The epoch in force and its counts (at open). */
  async #load(): Promise<void> {
    await this.#checkEpoch();
    const r = this.#r;
    const seq = Number((await r.client.get(r.key('calls-seq'))) ?? 0);
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await r.client.scan(cursor, 'MATCH', `${r.key('calls')}:*`, 'COUNT', 500);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    const values = keys.length > 0 ? await r.client.mget(...keys) : [];
    keys.forEach((k, i) => {
      const user = Number(k.slice(r.key('calls').length + 1));
      const n = Number(values[i] ?? 0);
      if (Number.isInteger(user) && n > 0) this.#apply(this.#epoch, user, seq, n);
    });
  }

  /** The epoch in force (at open, and after a reconnect: a Redis restarted without persistence has a new one). */
  async #checkEpoch(): Promise<void> {
    this.#useEpoch(await this.#r.epoch(this.#r.key('calls-epoch')));
  }

  /**
   * Adopts `epoch`. Another one than before means Redis lost the counts: the cached ones go, and this node's own
   * calls are added back (each node adds its own, once per epoch).
   */
  #useEpoch(epoch: string): void {
    if (epoch === this.#epoch) return;
    const lost = this.#epoch !== '';
    this.#epoch = epoch;
    if (!lost) return;
    this.#cache.clear();
    for (const [user, n] of this.#mine) this.#send(user, n);
  }

  count(userId: number): number {
    const c = this.#cache.get(userId);
    const base = c && c.until > this.#now() ? c.n : 0;
    return Math.max(0, base + (this.#pending.get(userId) ?? 0));
  }

  add(userId: number): void {
    this.#change(userId, 1);
  }

  remove(userId: number): void {
    this.#change(userId, -1);
  }

  /** Resolves when every change made here so far is in Redis (tests, shutdown). */
  async settled(): Promise<void> {
    this.#flush();
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }

  async close(): Promise<void> {
    await this.settled();
    this.#unsubscribe?.();
  }

  #change(userId: number, delta: number): void {
    const mine = (this.#mine.get(userId) ?? 0) + delta;
    if (mine > 0) this.#mine.set(userId, mine);
    else this.#mine.delete(userId);
    this.#send(userId, delta);
  }

  /** Counts `delta` here at once and sends it with the turn's other changes. */
  #send(userId: number, delta: number): void {
    this.#pending.set(userId, (this.#pending.get(userId) ?? 0) + delta);
    this.#batch.set(userId, (this.#batch.get(userId) ?? 0) + delta);
    this.#flushSoon ??= setImmediate(() => this.#flush());
  }

  /** Sends the changes gathered in this event-loop turn as one script (net delta per user; zero sends nothing). */
  #flush(): void {
    if (this.#flushSoon) clearImmediate(this.#flushSoon);
    this.#flushSoon = null;
    const changes = [...this.#batch].filter(([, d]) => d !== 0);
    for (const [u, d] of this.#batch) if (d === 0 && this.#pending.get(u) === 0) this.#pending.delete(u);
    this.#batch.clear();
    if (changes.length === 0) return;
    const r = this.#r;
    const keys = [r.key('calls-epoch'), r.key('calls-seq'), r.key('calls-op', this.#sender), ...changes.map(([u]) => r.key('calls', String(u)))];
    const args: Array<string | number> = [this.#ttl, r.key('calls'), randomId(), this.#epoch, ++this.#changeNo];
    for (const [u, d] of changes) args.push(u, d);
    const p = r
      .script(CHANGE, keys, args)
      .then((res) => {
        const [epoch, status, ...counts] = (res as Array<string | number>).map(String);
        if (status !== 'ok') {
          // stale: Redis is in another epoch, where this node's calls are added back (useEpoch) with this change
          // among them; dup: applied before this resend, and its message updated the caches then
          this.#useEpoch(epoch!);
          return;
        }
        changes.forEach(([u], i) => this.#apply(epoch!, u, Number(counts[2 * i]), Number(counts[2 * i + 1])));
      })
      .catch(this.#onError)
      .finally(() => {
        for (const [u, d] of changes) {
          const left = (this.#pending.get(u) ?? 0) - d;
          if (left === 0) this.#pending.delete(u);
          else this.#pending.set(u, left);
        }
        this.#inFlight.delete(p);
      });
    this.#inFlight.add(p);
  }

  #onMessage(m: string): void {
    const [epoch, ...rest] = m.split(' ');
    const [seq, user, n] = rest.map(Number);
    if (!epoch || seq === undefined || user === undefined || n === undefined || [seq, user, n].some((v) => !Number.isFinite(v))) return;
    this.#apply(epoch, user, seq, n);
  }

  /** Changes apply in Redis order: an older value (reply or message that arrived late) never wins. */
  #apply(epoch: string, user: number, seq: number, n: number): void {
    this.#useEpoch(epoch);
    const c = this.#cache.get(user);
    if (c && c.seq >= seq) return;
    if (n <= 0) this.#cache.set(user, { n: 0, seq, until: 0 });
    else this.#cache.set(user, { n, seq, until: this.#now() + this.#ttl });
  }
}
