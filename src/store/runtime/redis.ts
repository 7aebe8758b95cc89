// Runtime state in Redis (cluster mode: registrations, counters shared by several edge/app nodes). One command
// connection plus, on first subscription, one subscriber connection (a subscribed Redis connection accepts no
// other commands). Keys and channels carry a configurable prefix (default `sy:`) so tests and several platforms
// can share one Redis. Opening connects at once: an unreachable Redis is a clear start-up failure, not a
// silent queue of commands.
import { createHash, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export interface RuntimeRedisOptions {
  /** prefix of every key and channel (default `sy:`) */
  prefix?: string;
  /** connect timeout per attempt (default 2000 ms) */
  connectTimeoutMs?: number;
  /**
   * A command without a reply for this long fails (default 2000 ms): a Redis that hangs without closing the
   * connection (stopped, partitioned) must not leave REGISTERs waiting until the phones give up.
   */
  commandTimeoutMs?: number;
  /**
   * After a lost connection: reconnect attempts a command waits for before it fails (default 3; attempts are
   * 0.1 s, 0.2 s, … up to 2 s apart). The client itself keeps reconnecting, so the node recovers by itself.
   */
  retries?: number;
  /** connection-level errors after start (logged by the caller; the URL's password is never included) */
  onError?: (err: Error) => void;
}

export type OpenRedisResult =
  | { ok: true; redis: RuntimeRedis }
  | { ok: false; code: 'RUNTIME_REDIS_BAD_URL' | 'RUNTIME_REDIS_UNREACHABLE'; reason: string };

/** `redis://[:password@]host[:port][/db]` without the password, for messages. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}

export async function openRuntimeRedis(url: string, o: RuntimeRedisOptions = {}): Promise<OpenRedisResult> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, code: 'RUNTIME_REDIS_BAD_URL', reason: 'REDIS_URL is not a URL (expected redis://host:port)' };
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    return { ok: false, code: 'RUNTIME_REDIS_BAD_URL', reason: `REDIS_URL must start with redis:// or rediss:// (got ${parsed.protocol}//)` };
  }
  let starting = true;
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: o.connectTimeoutMs ?? 2000,
    // while starting: no retry, so an unreachable Redis fails `open` at once; afterwards reconnect forever,
    // while each command waits for a bounded number of attempts (a REGISTER fails fast, it never hangs)
    retryStrategy: (n: number) => (starting ? null : Math.min(100 * n, 2000)),
    maxRetriesPerRequest: o.retries ?? 3,
    commandTimeout: o.commandTimeoutMs ?? 2000,
    enableOfflineQueue: true,
  });
  let lastError: Error | undefined;
  client.on('error', (e: Error) => {
    lastError = e;
    if (!starting) o.onError?.(e);
  });
  try {
    await client.connect();
    await client.ping();
  } catch (e) {
    client.disconnect();
    const why = (lastError ?? (e as Error)).message;
    return { ok: false, code: 'RUNTIME_REDIS_UNREACHABLE', reason: `cannot reach Redis at ${redactRedisUrl(url)}: ${why}` };
  }
  starting = false;
  return { ok: true, redis: new RuntimeRedis(client, o.prefix ?? 'sy:', o.onError) };
}

type MessageHandler = (message: string) => void;

// KEYS[1] the epoch key  ARGV[1] epoch proposed. The epoch in force (set to the proposal when there is none).
const EPOCH = `
local epoch = redis.call('GET', KEYS[1])
if not epoch then epoch = ARGV[1]; redis.call('SET', KEYS[1], epoch) end
return epoch
`;

export class RuntimeRedis {
  readonly client: Redis;
  readonly prefix: string;
  readonly #onError: ((err: Error) => void) | undefined;
  #sub: Redis | undefined;
  readonly #handlers = new Map<string, Set<MessageHandler>>();
  readonly #shas = new Map<string, string>();
  readonly #reconnectHandlers = new Set<() => void>();
  #closed = false;

  /** `client` is connected already: its later 'ready' events are reconnects. */
  constructor(client: Redis, prefix: string, onError?: (err: Error) => void) {
    this.client = client;
    this.prefix = prefix;
    this.#onError = onError;
    client.on('ready', () => this.#reconnected());
  }

  /**
   * Called after the command connection or the subscriber connection came back (Redis restarted, a network
   * blip): what was published meanwhile is lost, and Redis may have lost its data. Returns the unsubscribe.
   */
  onReconnect(handler: () => void): () => void {
    this.#reconnectHandlers.add(handler);
    return () => {
      this.#reconnectHandlers.delete(handler);
    };
  }

  #reconnected(): void {
    if (this.#closed) return;
    for (const h of this.#reconnectHandlers) {
      try {
        h();
      } catch (e) {
        this.#onError?.(e as Error);
      }
    }
  }

  /** A key (or channel) name under the prefix: `key('loc', aor)` → `sy:loc:<aor>`. */
  key(...parts: string[]): string {
    return this.prefix + parts.join(':');
  }

  /** Subscribes to a prefixed channel name (from `key()`); resolves once Redis confirmed the subscription. */
  async subscribe(channel: string, handler: MessageHandler): Promise<() => void> {
    if (!this.#sub) {
      // same options, own connection (ioredis resubscribes by itself after a reconnect)
      const sub = this.client.duplicate();
      sub.on('error', (e: Error) => this.#onError?.(e));
      sub.on('message', (ch: string, msg: string) => {
        for (const h of this.#handlers.get(ch) ?? []) {
          try {
            h(msg);
          } catch (e) {
            this.#onError?.(e as Error);
          }
        }
      });
      this.#sub = sub;
      await sub.connect();
      sub.on('ready', () => this.#reconnected());
    }
    let set = this.#handlers.get(channel);
    if (!set) {
      set = new Set();
      this.#handlers.set(channel, set);
      await this.#sub.subscribe(channel);
    }
    set.add(handler);
    return () => {
      set.delete(handler);
    };
  }

  /**
   * The epoch in `key` (a random id set by whoever finds none). A Redis that comes back with another one lost its
   * data (restarted without persistence): the call counts and the location each keep one.
   */
  async epoch(key: string): Promise<string> {
    return String(await this.script(EPOCH, [key], [randomBytes(8).toString('hex')]));
  }

  /** Runs a Lua script by its SHA1, loading it on the first NOSCRIPT (EVALSHA, then EVAL once). */
  async script(lua: string, keys: string[], args: Array<string | number>): Promise<unknown> {
    let sha = this.#shas.get(lua);
    if (!sha) {
      sha = createHash('sha1').update(lua).digest('hex');
      this.#shas.set(lua, sha);
    }
    try {
      return await this.client.evalsha(sha, keys.length, ...keys, ...args);
    } catch (e) {
      if (!(e instanceof Error) || !e.message.startsWith('NOSCRIPT')) throw e;
      return await this.client.eval(lua, keys.length, ...keys, ...args);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const quit = async (c: Redis) => {
      try {
        await c.quit();
      } catch {
        c.disconnect();
      }
    };
    await Promise.all([quit(this.client), ...(this.#sub ? [quit(this.#sub)] : [])]);
  }
}
