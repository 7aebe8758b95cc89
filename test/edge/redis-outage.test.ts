// The users edge when its shared location (Redis) goes away while running: REGISTERs and calls to registered users
// get 503 with Retry-After (not 500, never a hang, the process keeps serving), and once Redis is back — a fresh,
// empty one on the same address, as after a restart without persistence — the edge recovers without a restart:
// it announces itself again in the edge registry, puts back the registrations it owns from the registrations table,
// and phones register again.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSipStack } from '../../src/sip/stack.ts';
import { UserAgent } from '../../src/sip/ua/user-agent.ts';
import { openRuntimeRedis, type RuntimeRedis } from '../../src/store/runtime/redis.ts';
import { RedisLocation } from '../../src/edge/users/location-redis.ts';
import { aorOf } from '../../src/edge/users/index.ts';
import { redisSkipReason, startRedis, type RedisServer } from '../support/redis.ts';
import { DOMAIN, SDP, startEdgeWorld, type EdgeWorld } from './support.ts';

async function eventually(pred: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not met in time');
}

describe('users edge: Redis outage and recovery', { skip: redisSkipReason() }, () => {
  let server: RedisServer | undefined;
  let W: EdgeWorld | undefined;
  let redis: RuntimeRedis;
  const errors: unknown[] = [];
  const cleanup: Array<() => Promise<unknown>> = [];

  before(async () => {
    server = await startRedis();
    const r = await openRuntimeRedis(server.url, { prefix: 'outage-test:', retries: 1, onError: (e) => errors.push(e) });
    assert.ok(r.ok, r.ok ? '' : r.reason);
    redis = r.redis;
    const loc = await RedisLocation.open({ redis, sweepMs: 0, onError: (e) => errors.push(e) });
    W = await startEdgeWorld({ location: loc, node: 'edge-a', onError: (e) => errors.push(e) });
    cleanup.push(() => loc.close(), () => redis.close());
  });
  after(async () => {
    await W?.close();
    for (const f of cleanup) await f().catch(() => {});
    await server?.stop();
  });

  async function phone(name: string): Promise<UserAgent> {
    const stack = await createSipStack({ listen: [{ transport: 'udp', host: '127.0.0.1', port: 0 }] });
    cleanup.unshift(() => stack.close());
    return new UserAgent({
      layer: stack.tx,
      aor: `sip:${name}@${DOMAIN}`,
      contact: { host: '127.0.0.1', port: stack.addresses[0]!.port, transport: 'UDP' },
      outbound: { transport: 'UDP', ...W!.edge.address('UDP')! },
      credentials: { username: name, password: W!.terminals[name]!.password },
    });
  }

  it('503 while Redis is down; registrations and the edge registry come back with it', async () => {
    const bob = await phone('bob');
    const alice = await phone('alice');
    assert.ok((await bob.register({ expires: 600 })).ok);
    const [bobBinding] = await W!.edge.location.lookup(aorOf('bob', DOMAIN));
    // the registrations table has bob's row (the mirror writes a moment after the REGISTER)
    await eventually(async () => (await W!.store.db.selectFrom('registrations').select('id').where('aor', '=', aorOf('bob', DOMAIN)).execute()).length === 1);
    await server!.kill();

    const during = await bob.register({ expires: 600 });
    assert.deepEqual(during.ok ? 'registered' : [during.status, during.reason], [503, 'Location service unavailable']);
    // a call to bob needs his bindings: the app's B leg gets 503; the caller's INVITE is answered, not left hanging
    // (with 500: a proxy does not pass a 503 upstream, RFC 3261 §16.7 step 6)
    const call = alice.invite(`sip:bob@${DOMAIN}`, { sdp: SDP('127.0.0.1', 4000) });
    const r = await call.established;
    assert.equal(!r.ok && r.status, 500);
    assert.deepEqual(W!.app.bLegResponses, [503]);
    assert.ok(errors.length > 0, 'the outage is reported to the operator log');

    await server!.restart(); // empty: what a Redis restart without persistence looks like
    // the edge finds Redis without its bindings and puts bob's back from the registrations table: bob is reachable
    // again without registering (and a mirror write after the outage did not delete the row first)
    await eventually(async () => (await W!.edge.location.lookup(aorOf('bob', DOMAIN)).catch(() => [])).length === 1);
    const [restored] = await W!.edge.location.lookup(aorOf('bob', DOMAIN));
    assert.deepEqual(restored, bobBinding);
    assert.ok(errors.some((e) => /lost every binding/.test(String((e as Error).message))), 'the loss is reported');
    await eventually(async () => (await bob.register({ expires: 600 })).ok);

    // a hung Redis (connections open, no replies): answered 503 after the command timeout, not left waiting
    server!.pause();
    try {
      const hung = await bob.register({ expires: 600 });
      assert.deepEqual(hung.ok ? 'registered' : hung.status, 503);
    } finally {
      server!.resume();
    }
    await eventually(async () => (await redis.client.hget(redis.key('edges'), 'edge-a').catch(() => null)) !== null);
    await eventually(async () => (await bob.register({ expires: 600 })).ok);
    assert.equal((await W!.edge.location.lookup(aorOf('bob', DOMAIN))).length, 1);
  });
});
