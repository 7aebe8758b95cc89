// Calls each user is handling, for the call-waiting limit (seed-part2 §1.1 "Call waiting": limits received calls
// when already handling this number of calls). In memory for one app node; in Redis when several app nodes share
// the count. Both sit behind one small synchronous interface: routing asks the count on the hot path, so the Redis
// counter answers from a local cache kept current by Redis pub/sub (a soft limit: two calls racing on two nodes
// within a few milliseconds may both get through).
import type { RuntimeRedis } from '../../store/runtime/redis.ts';

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

// KEYS[1] calls-seq, KEYS[2..] calls:<user>   ARGV: 1 ttl ms  2 channel  then per key: user id, delta
// Returns {seq, count} per user; publishes "seq user count" per user so every node's cache applies changes in
// Redis order. One script carries every change of an event-loop turn (a call adds or removes two users at once).
const CHANGE = `
local out = {}
for i = 2, #KEYS do
  local user = ARGV[2 * i - 1]
  local n = redis.call('INCRBY', KEYS[i], ARGV[2 * i])
  if n <= 0 then redis.call('DEL', KEYS[i]); n = 0 else redis.call('PEXPIRE', KEYS[i], ARGV[1]) end
  local seq = redis.call('INCR', KEYS[1])
  redis.call('PUBLISH', ARGV[2], seq .. ' ' .. user .. ' ' .. n)
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

  /** Subscribes, then loads the current counts. */
  static async open(o: RedisCallCounterOptions): Promise<RedisCallCounter> {
    const c = new RedisCallCounter(o);
    c.#unsubscribe = await c.#r.subscribe(c.#r.key('calls'), (m) => c.#onMessage(m));
    const seq = Number((await c.#r.client.get(c.#r.key('calls-seq'))) ?? 0);
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await c.#r.client.scan(cursor, 'MATCH', `${c.#r.key('calls')}:*`, 'COUNT', 500);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    const values = keys.length > 0 ? await c.#r.client.mget(...keys) : [];
    keys.forEach((k, i) => {
      const user = Number(k.slice(c.#r.key('calls').length + 1));
      const n = Number(values[i] ?? 0);
      if (Number.isInteger(user) && n > 0) c.#apply(user, seq, n);
    });
    return c;
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
    const keys = [this.#r.key('calls-seq'), ...changes.map(([u]) => this.#r.key('calls', String(u)))];
    const args: Array<string | number> = [this.#ttl, this.#r.key('calls')];
    for (const [u, d] of changes) args.push(u, d);
    const p = this.#r
      .script(CHANGE, keys, args)
      .then((res) => {
        const r = res as number[];
        changes.forEach(([u], i) => this.#apply(u, Number(r[2 * i]), Number(r[2 * i + 1])));
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
    const [seq, user, n] = m.split(' ').map(Number);
    if (seq === undefined || user === undefined || n === undefined || [seq, user, n].some((v) => !Number.isFinite(v))) return;
    this.#apply(user, seq, n);
  }

  /** Changes apply in Redis order: an older value (reply or message that arrived late) never wins. */
  #apply(user: number, seq: number, n: number): void {
    const c = this.#cache.get(user);
    if (c && c.seq >= seq) return;
    if (n <= 0) this.#cache.set(user, { n: 0, seq, until: 0 });
    else this.#cache.set(user, { n, seq, until: this.#now() + this.#ttl });
  }
}
