// RedisLocation behaviour that needs several nodes or a real Redis (the single-node semantics are the shared
// table in location.test.ts): change notification across nodes, atomic updates under concurrency, cluster-wide
// expiry, garbage collection by key TTL, peer edges, connection drops per node; the runtime client's errors;
// the Redis call counter. Real redis-server per suite (skipped with a reason if missing; a failure under CI=true).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { FakeClock } from '../../sip/clock.ts';
import { openRuntimeRedis, redactRedisUrl, type RuntimeRedis } from '../../store/runtime/redis.ts';
import { RedisCallCounter } from '../../app/calls/counter.ts';
import { redisSkipReason, startRedis, type RedisServer } from '../../../test/support/redis.ts';
import type { ChangeOrigin, RegisterUpdate } from './location.ts';
import { NodeNameInUseError, RedisLocation } from './location-redis.ts';

/**
 * A TCP proxy in front of Redis that can lose one reply: after `loseNextReply()` it forwards the next EVALSHA to
 * Redis (which runs it), swallows Redis's answer and closes that client connection, as a network blip would; the
 * promise resolves then. While `blocked`, new connections are refused. ioredis reconnects and sends the unanswered
 * command again.
 */
async function replyLosingProxy(redisPort: number): Promise<{ url: string; blocked: boolean; loseNextReply(): Promise<void>; close(): Promise<void> }> {
  let lose: (() => void) | null = null;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    if (state.blocked) return void client.destroy();
    const upstream = connect(redisPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    let lost: (() => void) | null = null;
    client.on('data', (d) => {
      if (lose && /evalsha/i.test(d.toString('latin1'))) {
        lost = lose;
        lose = null;
      }
      upstream.write(d);
    });
    upstream.on('data', (d) => {
      if (!lost) return void client.write(d);
      client.destroy();
      upstream.destroy();
      lost();
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  const state = {
    url: '',
    blocked: false,
    loseNextReply: () => new Promise<void>((resolve) => (lose = resolve)),
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  state.url = `redis://127.0.0.1:${(server.address() as { port: number }).port}`;
  return state;
}

const owner = { clientId: 1, terminalId: 2, userId: 3 };
const AOR = 'sip:bob@a.example';
const upd = (o: Partial<RegisterUpdate> & Pick<RegisterUpdate, 'changes'>): RegisterUpdate => ({
  aor: AOR, owner, callId: 'c1', cseq: 1, flow: { transport: 'UDP', host: '192.0.2.1', port: 5060 }, single: false, ...o,
});
const ch = (contact: string, expires = 600) => ({ contact, key: contact, expires });

async function until(pred: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('runtime Redis client', () => {
  it('refuses a bad URL and reports an unreachable Redis without its password', async () => {
    const bad = await openRuntimeRedis('http://127.0.0.1:1');
    assert.equal(bad.ok, false);
    assert.equal(!bad.ok && bad.code, 'RUNTIME_REDIS_BAD_URL');
    // a port nobody listens on: bind one, note it, close it
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const r = await openRuntimeRedis(`redis://:s3cret@127.0.0.1:${port}`, { connectTimeoutMs: 500 });
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.code, 'RUNTIME_REDIS_UNREACHABLE');
    assert.match(!r.ok ? r.reason : '', new RegExp(`127\\.0\\.0\\.1:${port}`));
    assert.doesNotMatch(!r.ok ? r.reason : '', /s3cret/);
    assert.equal(redactRedisUrl('redis://u:pw@h:1/0'), 'redis://u:***@h:1/0');
  });
});

describe('RedisLocation across nodes', { skip: redisSkipReason() }, () => {
  let server: RedisServer;
  const toClose: Array<{ close(): Promise<void> }> = [];
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    for (const c of toClose.reverse()) await c.close().catch(() => {});
    await server?.stop();
  });

  /** n nodes sharing one fresh prefix, each with its own connections, one clock */
  async function nodes(n: number, clock = new FakeClock(), claimMs = 400): Promise<{ locs: RedisLocation[]; redis: RuntimeRedis[]; clock: FakeClock }> {
    const prefix = `t${randomBytes(4).toString('hex')}:`;
    const locs: RedisLocation[] = [];
    const redis: RuntimeRedis[] = [];
    for (let i = 0; i < n; i++) {
      const r = await openRuntimeRedis(server.url, { prefix });
      assert.ok(r.ok);
      toClose.push(r.redis);
      // short NODE_NAME claims, so tests of a crashed node's restart wait well under a second
      const loc = await RedisLocation.open({ redis: r.redis, clock, sweepMs: 0, claimMs });
      toClose.push(loc);
      locs.push(loc);
      redis.push(r.redis);
    }
    return { locs, redis, clock };
  }

  it('a change on one node is seen and reported on the other (origin remote); expiry swept by any node', async () => {
    const { locs: [a, b], redis: [ra], clock } = await nodes(2);
    const seen: Record<string, string[]> = { a: [], b: [] };
    a!.onChange((aor, bs, o: ChangeOrigin) => seen.a!.push(`${aor}:${bs.length}:${o}`));
    b!.onChange((aor, bs, o: ChangeOrigin) => seen.b!.push(`${aor}:${bs.length}:${o}`));
    assert.ok((await a!.apply(upd({ changes: [ch('sip:bob@10.0.0.1', 60)] }))).ok);
    assert.deepEqual((await b!.lookup(AOR)).map((x) => x.contact), ['sip:bob@10.0.0.1']);
    await until(() => seen.b!.length === 1);
    assert.deepEqual(seen, { a: [`${AOR}:1:local`], b: [`${AOR}:1:remote`] });
    await until(() => b!.size() === 1); // the cached size follows the message within SIZE_REFRESH_MS
    // the Redis key lives as long as the binding plus the grace (garbage collection only)
    const pttl = await ra!.client.pttl(ra!.key('loc', AOR));
    assert.ok(pttl > 60_000 && pttl <= 120_000, String(pttl));
    clock.tick(61_000);
    assert.equal((await a!.lookup(AOR)).length, 0);
    await b!.sweep(); // b never registered it: expiry is cluster-wide
    await until(() => seen.a!.length === 2);
    assert.deepEqual(seen.b!.at(-1), `${AOR}:0:local`);
    assert.deepEqual(seen.a!.at(-1), `${AOR}:0:remote`);
    assert.equal(await ra!.client.exists(ra!.key('loc', AOR)), 0);
    assert.equal(await ra!.client.zcard(ra!.key('loc-exp')), 0);
    await a!.sweep();
    assert.equal(seen.a!.length, 2, 'a second sweep finds nothing to report');
  });

  it('restore puts back only bindings whose key the AoR lacks and that have not expired; other nodes hear of it', async () => {
    const { locs: [a, b], clock } = await nodes(2);
    const seen: string[] = [];
    b!.onChange((aor, bs, o: ChangeOrigin) => seen.push(`${aor}:${bs.length}:${o}`));
    assert.ok((await a!.apply(upd({ changes: [ch('sip:bob@10.0.0.1', 600)] }))).ok);
    const [held] = await a!.lookup(AOR);
    const { edge: _edge, ...row } = held!;
    const now = clock.now();
    const restored = [
      { ...row, cseq: 99 }, // the AoR holds this key already: the stored binding stays
      { ...row, contact: 'sip:bob@10.0.0.2', key: 'sip:bob@10.0.0.2', updatedAt: now - 5000, expiresAt: now + 300_000 },
      { ...row, contact: 'sip:bob@10.0.0.3', key: 'sip:bob@10.0.0.3', expiresAt: now },
    ];
    assert.equal(await a!.restore(restored), 1);
    const after = await b!.lookup(AOR);
    assert.deepEqual(after.map((x) => [x.contact, x.cseq]), [['sip:bob@10.0.0.1', 1], ['sip:bob@10.0.0.2', 1]], 'most recently refreshed first');
    await until(() => seen.length === 2);
    assert.equal(seen.at(-1), `${AOR}:2:remote`);
    assert.equal(await a!.restore(restored), 0, 'nothing twice');
  });

  it('concurrent REGISTERs on two nodes: no update lost; the highest CSeq of a Call-ID wins', async () => {
    const { locs: [a, b] } = await nodes(2);
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 ? a! : b!).apply(upd({ callId: `c${i}`, changes: [ch(`sip:bob@10.0.1.${i}`)] }))),
    );
    assert.ok(results.every((r) => r.ok));
    assert.equal((await a!.lookup(AOR)).length, 30);
    const aor2 = 'sip:carol@a.example';
    const r2 = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? a! : b!).apply(upd({ aor: aor2, callId: 'same', cseq: i + 1, changes: [ch('sip:carol@10.0.0.9')] }))),
    );
    assert.ok(r2[19]!.ok, 'the highest CSeq is never out of order');
    const [bind] = await b!.lookup(aor2);
    assert.equal(bind!.cseq, 20);
    assert.ok(r2.some((r) => !r.ok) || r2.every((r) => r.ok), 'lower CSeqs may be refused, never corrupt the AoR');
  });

  it('peer edges: announced, trusted by the others, forgotten on close; connection drops stay per node', async () => {
    const { locs: [a, b], redis } = await nodes(2);
    await a!.attachEdge({ id: 'edge-a', host: '127.0.0.1', port: 15069 });
    await b!.attachEdge({ id: 'edge-b', host: '127.0.0.1', port: 15070 });
    await until(() => b!.isPeerEdge('127.0.0.1', 15069) && a!.isPeerEdge('127.0.0.1', 15070));
    assert.equal(a!.isPeerEdge('127.0.0.1', 15069), false);
    assert.equal(a!.isPeerEdge('127.0.0.1', 9), false);
    // the same connection id on two nodes names two different connections
    const tcp = (id: string) => ({ transport: 'TCP' as const, host: '192.0.2.7', port: 40000, connectionId: id });
    await a!.apply(upd({ callId: 'x1', changes: [ch('sip:bob@10.0.0.1')], flow: tcp('tcp-1') }));
    await b!.apply(upd({ callId: 'x2', changes: [ch('sip:bob@10.0.0.2')], flow: tcp('tcp-1') }));
    const indexA = () => redis[0]!.client.smembers(redis[0]!.key('conn-aors', 'edge-a'));
    assert.deepEqual(await indexA(), [AOR]);
    assert.equal(await a!.dropConnection('tcp-1'), 1);
    assert.deepEqual(await indexA(), [], 'the AoR leaves the index with its last connection binding on this node');
    const left = await b!.lookup(AOR);
    assert.deepEqual(left.map((x) => [x.contact, x.edge?.id]), [['sip:bob@10.0.0.2', 'edge-b']]);
    await a!.close();
    await until(() => !b!.isPeerEdge('127.0.0.1', 15069));
  });

  it('a node restarting after a crash drops its dead connection bindings on join; UDP ones and other nodes\' stay', async () => {
    const { locs: [a, b, restarted], redis } = await nodes(3);
    await a!.attachEdge({ id: 'edge-a', host: '127.0.0.1', port: 15071 });
    await b!.attachEdge({ id: 'edge-b', host: '127.0.0.1', port: 15072 });
    const tcp = (id: string) => ({ transport: 'TCP' as const, host: '192.0.2.7', port: 40000, connectionId: id });
    await a!.apply(upd({ callId: 'k1', changes: [ch('sip:bob@10.0.0.1')], flow: tcp('tcp-dead-1') }));
    await a!.apply(upd({ callId: 'k2', changes: [ch('sip:bob@10.0.0.2')] }));
    await b!.apply(upd({ callId: 'k3', changes: [ch('sip:bob@10.0.0.3')], flow: tcp('tcp-live-1') }));
    await a!.apply(upd({ aor: 'sip:dave@a.example', callId: 'k4', changes: [ch('sip:dave@10.0.0.4')], flow: tcp('tcp-dead-2') }));
    // the restart index: the AoRs with connection bindings through each node, nothing else
    const index = (id: string) => redis[1]!.client.smembers(redis[1]!.key('conn-aors', id)).then((m) => m.sort());
    assert.deepEqual(await index('edge-a'), [AOR, 'sip:dave@a.example'].sort());
    assert.deepEqual(await index('edge-b'), [AOR]);
    // edge-a crashes (never closes: its Redis connection just goes, its claim on the name lapses) and comes back as a
    // new process under the same node id
    await redis[0]!.close();
    await restarted!.attachEdge({ id: 'edge-a', host: '127.0.0.1', port: 15071 });
    const left = await b!.lookup(AOR);
    assert.deepEqual(left.map((x) => x.contact).sort(), ['sip:bob@10.0.0.2', 'sip:bob@10.0.0.3']);
    assert.deepEqual(await b!.lookup('sip:dave@a.example'), []);
    assert.deepEqual(await index('edge-a'), [], 'emptied by the purge');
    assert.deepEqual(await index('edge-b'), [AOR], "another node's index is left alone");
    assert.equal(await restarted!.purgeDeadConnections('edge-a'), 0, 'nothing left to purge');
  });

  it('NODE_NAME claims: a second live edge under one name is refused, a closed one frees the name at once', async () => {
    // claims of 3 s (renewed every second): the holder keeps its claim even through a slow moment of a loaded machine
    const { locs: [a, twin, next], redis } = await nodes(3, new FakeClock(), 3000);
    await a!.attachEdge({ id: 'edge-n', host: '127.0.0.1', port: 15073 });
    await assert.rejects(twin!.attachEdge({ id: 'edge-n', host: '127.0.0.1', port: 15074 }), (e: unknown) =>
      e instanceof NodeNameInUseError && /NODE_NAME "edge-n" is held by another running edge/.test(e.message));
    assert.equal(twin!.isPeerEdge('127.0.0.1', 15073), true, 'the refused one did not take over: edge-n is still the first one');
    const claim = redis[1]!.key('edge-alive', 'edge-n');
    assert.ok(await redis[1]!.client.get(claim), 'claimed while edge-n runs');
    await a!.close();
    assert.equal(await redis[1]!.client.get(claim), null, 'given up on close: the next process need not wait');
    await next!.attachEdge({ id: 'edge-n', host: '127.0.0.1', port: 15075 });
  });

  it('NODE_NAME taken over while running: the edge is told once (onClaimLost) and stops renewing', async () => {
    const prefix = `t${randomBytes(4).toString('hex')}:`;
    const r = await openRuntimeRedis(server.url, { prefix });
    assert.ok(r.ok);
    toClose.push(r.redis);
    const lost: Error[] = [];
    const loc = await RedisLocation.open({ redis: r.redis, clock: new FakeClock(), sweepMs: 0, claimMs: 400, onClaimLost: (e) => lost.push(e) });
    toClose.push(loc);
    await loc.attachEdge({ id: 'edge-t', host: '127.0.0.1', port: 15076 });
    const key = r.redis.key('edge-alive', 'edge-t');
    await r.redis.client.set(key, 'another-process', 'PX', 10_000);
    await until(() => lost.length === 1);
    assert.ok(lost[0] instanceof NodeNameInUseError);
    assert.match(lost[0]!.message, /NODE_NAME "edge-t" was taken over by another edge while this one ran/);
    await new Promise((res) => setTimeout(res, 500));
    assert.equal(lost.length, 1, 'told once');
    assert.equal(await r.redis.client.get(key), 'another-process', 'the other process keeps the name');
    await loc.close();
    assert.equal(await r.redis.client.get(key), 'another-process', 'closing does not release a claim that is not ours');
  });
});

describe('RedisCallCounter', { skip: redisSkipReason() }, () => {
  let server: RedisServer;
  const toClose: Array<{ close(): Promise<void> }> = [];
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    for (const c of toClose.reverse()) await c.close().catch(() => {});
    await server?.stop();
  });

  it('counts across app nodes, never below zero, loads existing counts, drops stale ones after the TTL', async () => {
    const prefix = `t${randomBytes(4).toString('hex')}:`;
    const open = async (now?: () => number) => {
      const r = await openRuntimeRedis(server.url, { prefix });
      assert.ok(r.ok);
      toClose.push(r.redis);
      const c = await RedisCallCounter.open({ redis: r.redis, ttlMs: 60_000, ...(now ? { now } : {}) });
      toClose.push(c);
      return { c, r: r.redis };
    };
    const { c: a, r } = await open();
    const { c: b } = await open();
    a.add(7);
    assert.equal(a.count(7), 1, 'a local change counts at once');
    b.add(7);
    await Promise.all([a.settled(), b.settled()]);
    await until(() => a.count(7) === 2 && b.count(7) === 2);
    a.remove(7);
    a.remove(7);
    a.remove(7);
    await a.settled();
    await until(() => b.count(7) === 0);
    assert.equal(a.count(7), 0);
    assert.equal(await r.client.exists(r.key('calls', '7')), 0, 'a zero count leaves no key');
    b.add(8);
    await b.settled();
    assert.ok((await r.client.pttl(r.key('calls', '8'))) > 0, 'every count carries the TTL safety net');
    let t = Date.now();
    const { c: late } = await open(() => t);
    assert.equal(late.count(8), 1, 'a node that starts later loads the counts');
    t += 61_000;
    assert.equal(late.count(8), 0, 'a count unchanged for longer than the TTL no longer counts');
  });

  it('sends the changes of one event-loop turn together: several users at once, nothing for a net zero', async () => {
    const prefix = `t${randomBytes(4).toString('hex')}:`;
    const ra = await openRuntimeRedis(server.url, { prefix });
    const rb = await openRuntimeRedis(server.url, { prefix });
    assert.ok(ra.ok && rb.ok);
    toClose.push(ra.redis, rb.redis);
    const a = await RedisCallCounter.open({ redis: ra.redis });
    const b = await RedisCallCounter.open({ redis: rb.redis });
    toClose.push(a, b);
    a.add(1);
    a.add(2);
    a.add(2);
    a.add(3);
    a.remove(3);
    assert.deepEqual([a.count(1), a.count(2), a.count(3)], [1, 2, 0], 'local changes count at once');
    await a.settled();
    const r = ra.redis;
    assert.deepEqual(await r.client.mget(r.key('calls', '1'), r.key('calls', '2')), ['1', '2']);
    assert.equal(await r.client.exists(r.key('calls', '3')), 0, 'a net zero in one turn writes nothing');
    assert.equal(await r.client.get(r.key('calls-seq')), '2', 'one sequence number per user changed');
    await until(() => b.count(1) === 1 && b.count(2) === 2 && b.count(3) === 0);
    a.remove(1);
    a.remove(2);
    await a.settled();
    await until(() => b.count(1) === 0 && b.count(2) === 1);
    assert.deepEqual([a.count(1), a.count(2)], [0, 1]);
  });

  it('a change whose reply was lost counts once when ioredis sends it again, also into a Redis that lost its data', async () => {
    const port = Number(new URL(server.url).port);
    const proxy = await replyLosingProxy(port);
    const prefix = `t${randomBytes(4).toString('hex')}:`;
    const direct = await openRuntimeRedis(server.url, { prefix });
    const viaProxy = await openRuntimeRedis(proxy.url, { prefix, retries: 100 });
    assert.ok(direct.ok && viaProxy.ok);
    const r = direct.redis;
    const c = await RedisCallCounter.open({ redis: viaProxy.redis, onError: () => undefined });
    try {
      c.add(5); // the script is known to Redis from here on (EVALSHA, no NOSCRIPT round)
      await c.settled();
      assert.equal(await r.client.get(r.key('calls', '5')), '1');

      // 1. a blip: Redis ran the change, its reply never came, ioredis sends it again on the new connection
      let lost = proxy.loseNextReply();
      c.add(7);
      await lost;
      await c.settled();
      assert.equal(await r.client.get(r.key('calls', '7')), '1', 'applied once, not twice');
      await until(() => c.count(7) === 1);

      // 2. the same, but Redis loses its data before the command comes again (a restart without persistence):
      // the resend must not count in the new epoch, where the node adds its calls (5, 7 and this 9) back itself
      lost = proxy.loseNextReply();
      proxy.blocked = true;
      c.add(9);
      await lost;
      for (const k of await r.client.keys(`${prefix}*`)) await r.client.del(k);
      proxy.blocked = false;
      const counts = () => r.client.mget(r.key('calls', '5'), r.key('calls', '7'), r.key('calls', '9'));
      for (const end = Date.now() + 10_000; (await counts()).some((v) => v === null) && Date.now() < end;) {
        await new Promise((res) => setTimeout(res, 10));
      }
      await c.settled();
      assert.deepEqual(await counts(), ['1', '1', '1'], 'each call counted once in the new epoch');
      assert.deepEqual([c.count(5), c.count(7), c.count(9)], [1, 1, 1]);
    } finally {
      await c.close().catch(() => {});
      await viaProxy.redis.close();
      await direct.redis.close();
      await proxy.close();
    }
  });

  it('survives a Redis outage; after a restart without persistence each node adds its own calls back', async () => {
    const own = await startRedis(); // killed and restarted here: not the suite's server
    const errors: unknown[] = [];
    const mine: Array<{ close(): Promise<void> }> = [];
    const redises: RuntimeRedis[] = [];
    try {
      const open = async () => {
        const r = await openRuntimeRedis(own.url, { commandTimeoutMs: 500, retries: 1 });
        assert.ok(r.ok);
        mine.push(r.redis);
        redises.push(r.redis);
        const c = await RedisCallCounter.open({ redis: r.redis, onError: (e) => errors.push(e) });
        mine.push(c);
        return c;
      };
      const a = await open();
      const b = await open();
      a.add(7);
      a.add(7);
      b.add(8);
      await Promise.all([a.settled(), b.settled()]);
      await until(() => b.count(7) === 2 && a.count(8) === 1);

      await own.kill();
      // Redis gone: changes neither throw nor hang; they count locally until Redis refuses them
      a.add(3);
      assert.equal(a.count(3), 1);
      await a.settled();
      assert.ok(errors.length > 0, 'the failed change is reported');
      assert.equal(a.count(3), 0, 'a change Redis never took does not count');
      assert.equal(b.count(7), 2, 'counts cached before the outage still count while Redis is away');

      await own.restart(); // empty: every count, the sequence and the epoch are gone
      // each node finds a new epoch, drops its copy and adds back the calls it has up (a: 7 twice and 3; b: 8)
      await until(() => b.count(7) === 2 && b.count(3) === 1 && a.count(8) === 1 && a.count(7) === 2, 15_000);
      const r = redises[0]!;
      assert.equal(await r.client.get(r.key('calls', '7')), '2', 'Redis holds the counts again');
      // the calls up at the restart end: the counts go down exactly, never below zero
      a.remove(7);
      a.remove(7);
      a.remove(3);
      b.remove(8);
      await Promise.all([a.settled(), b.settled()]);
      await until(() => b.count(7) === 0 && b.count(3) === 0 && a.count(8) === 0);
      b.add(7);
      await b.settled();
      await until(() => a.count(7) === 1);
    } finally {
      for (const c of mine.reverse()) await c.close().catch(() => {});
      await own.stop();
    }
  });
});
