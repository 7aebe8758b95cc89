// REDIS_URL wiring of the SIP roles as `switchyard start` builds them (src/cli/sip-roles.ts): with a real
// redis-server the users edge keeps registrations in Redis (under NODE_NAME), the app counts each user's calls in
// Redis (call waiting across app nodes), and a call Alice → Bob works through it; a `switchyard start` whose
// NODE_NAME another process takes over stops with exit code 1. Cross-edge behaviour itself is covered by
// test/edge/redis-cluster.test.ts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import type { IncomingCall } from '../../src/sip/ua/user-agent.ts';
import { redisSkipReason, startRedis, type RedisServer } from '../support/redis.ts';
import { startSwitchyard } from './support/process.ts';
import { eventually, startPlatform, type Phone, type Platform } from './support/platform.ts';

const SDP = (port: number) => `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\n`;

describe('switchyard SIP roles with REDIS_URL', { skip: redisSkipReason(), timeout: 120_000 }, () => {
  let redis: RedisServer;
  let client: Redis;
  let p: Platform;
  let alice: Phone;
  let bob: Phone;

  before(async () => {
    redis = await startRedis();
    client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await client.connect();
    p = await startPlatform({ env: { REDIS_URL: redis.url, NODE_NAME: 'edge-e2e-1' } });
    alice = await p.phone('alice');
    bob = await p.phone('bob');
    assert.ok((await alice.ua.register()).ok);
    assert.ok((await bob.ua.register()).ok);
  });

  after(async () => {
    await p?.stop();
    client?.disconnect();
    await redis?.stop();
  });

  it('keeps registrations in Redis and names this node in the registrations table', async () => {
    assert.equal(p.sip.edge!.location.shared, true, 'the edge uses the shared location');
    assert.ok(p.sip.banner.some((l) => /Redis \(node edge-e2e-1\)/.test(l)), p.sip.banner.join('\n'));
    const keys = await client.keys('sy:*');
    assert.ok(keys.some((k) => k.includes(`alice@${p.domain}`)), `alice's AoR in Redis: ${keys.join(', ')}`);
    const rows = await eventually(
      () => p.store.db.selectFrom('registrations').select(['node', 'aor']).execute(),
      (r) => r.length === 2,
    );
    assert.deepEqual(new Set(rows.map((r) => r.node)), new Set(['edge-e2e-1']));
  });

  it('routes a call through the Redis location and counts it in Redis while it lasts', async () => {
    let bobCall: IncomingCall | undefined;
    bob.ua.onCall((c) => {
      bobCall = c;
      void c.answer(SDP(40002));
    });
    const call = alice.ua.invite(`sip:102@${p.domain}`, { sdp: SDP(40000) });
    assert.deepEqual(await call.established, { ok: true });
    const counted = async () => {
      const keys = (await client.keys('sy:calls:*')).filter((k) => /^sy:calls:\d+$/.test(k)); // sy:calls:<userId>
      const values = keys.length > 0 ? await client.mget(...keys) : [];
      return values.filter((v) => Number(v ?? 0) > 0).length;
    };
    assert.ok((await eventually(counted, (n) => n >= 2)) >= 2, 'caller and callee are counted in Redis');
    assert.equal(await bobCall!.hangup(), 200);
    await call.ended;
    assert.equal(await eventually(counted, (n) => n === 0), 0, 'the counts return to zero at hang-up');
  });

  it('`switchyard start` whose NODE_NAME another process takes over while it runs stops with exit code 1', async () => {
    const proc = await startSwitchyard({ REDIS_URL: redis.url, NODE_NAME: 'claim-e2e', ROLES: 'edge,app' });
    try {
      await client.set('sy:edge-alive:claim-e2e', 'another-process', 'PX', 60_000);
      // the edge renews its claim every 5 s (15 s lifetime): the next renewal finds the name taken
      let timer: NodeJS.Timeout | undefined;
      // (generous: a loaded CI machine may take a while to stop the process; the grace period exits 1 as well)
      const code = await Promise.race([proc.exited, new Promise<'late'>((res) => (timer = setTimeout(() => res('late'), 45_000)))]);
      clearTimeout(timer);
      assert.equal(code, 1, `exit ${String(code)}:\n${proc.output()}`);
      assert.match(proc.output(), /NODE_NAME "claim-e2e" was taken over by another edge while this one ran/);
    } finally {
      await proc.stop();
    }
  });
});
