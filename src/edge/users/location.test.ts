// Behaviour of the location service, one table of cases run against every implementation: MemoryLocation
// (embedded) and RedisLocation (cluster, against a real redis-server; skipped with a reason when none is
// installed, a failure under CI=true). Redis-only behaviour (several nodes, concurrency) is in location-redis.test.ts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { FakeClock } from '../../sip/clock.ts';
import { openRuntimeRedis, type RuntimeRedis } from '../../store/runtime/redis.ts';
import { redisSkipReason, startRedis, type RedisServer } from '../../../test/support/redis.ts';
import { decodeFlow, encodeFlow, formatSource } from './flow.ts';
import { MemoryLocation, type LocationService, type RegisterUpdate } from './location.ts';
import { RedisLocation } from './location-redis.ts';

const owner = { clientId: 1, terminalId: 2, userId: 3 };
const upd = (o: Partial<RegisterUpdate> & Pick<RegisterUpdate, 'changes'>): RegisterUpdate => ({
  aor: 'sip:bob@a.example', owner, callId: 'c1', cseq: 1, flow: { transport: 'UDP', host: '192.0.2.1', port: 5060 }, single: false, ...o,
});
const ch = (contact: string, expires = 600) => ({ contact, key: contact, expires });

interface Subject {
  loc: LocationService;
  /** the implementation's expiry sweep, awaited */
  sweep(): Promise<void>;
}
type Make = (clock: FakeClock) => Promise<Subject>;

/** The shared cases. */
function cases(make: Make): void {
  it('add, refresh, latest first, expiry, Call-ID/CSeq ordering (RFC 3261 §10.3 step 7)', async () => {
    const clock = new FakeClock();
    const { loc, sweep } = await make(clock);
    const changes: string[] = [];
    loc.onChange((aor, b, origin) => changes.push(`${aor}:${b.length}:${origin}`));
    assert.ok((await loc.apply(upd({ changes: [ch('sip:bob@10.0.0.1', 60)] }))).ok);
    clock.tick(1);
    assert.ok((await loc.apply(upd({ callId: 'c2', changes: [ch('sip:bob@10.0.0.2')] }))).ok);
    assert.deepEqual((await loc.lookup('sip:bob@a.example')).map((b) => b.contact), ['sip:bob@10.0.0.2', 'sip:bob@10.0.0.1']);
    // same Call-ID, same CSeq: refused, nothing changed
    const r = await loc.apply(upd({ callId: 'c2', cseq: 1, changes: [ch('sip:bob@10.0.0.2', 0)] }));
    assert.deepEqual(r, { ok: false, code: 'EDGE_REG_OUT_OF_ORDER' });
    // a different Call-ID may update it (§10.3: the binding is updated whatever the CSeq)
    assert.ok((await loc.apply(upd({ callId: 'c3', cseq: 1, changes: [ch('sip:bob@10.0.0.1', 600)] }))).ok);
    assert.equal((await loc.lookup('sip:bob@a.example'))[0]!.contact, 'sip:bob@10.0.0.1');
    clock.tick(601_000);
    assert.equal((await loc.lookup('sip:bob@a.example')).length, 0, 'expired bindings are never returned');
    await sweep();
    assert.equal(loc.size(), 0);
    assert.deepEqual(changes, ['sip:bob@a.example:1:local', 'sip:bob@a.example:2:local', 'sip:bob@a.example:2:local', 'sip:bob@a.example:0:local']);
  });

  it('single (multi contact off) keeps only the new binding; remove-all; dropped connection', async () => {
    const { loc } = await make(new FakeClock());
    await loc.apply(upd({ changes: [ch('sip:bob@10.0.0.1')] }));
    await loc.apply(upd({ callId: 'x', changes: [ch('sip:bob@10.0.0.2')], single: true }));
    assert.deepEqual((await loc.lookup('sip:bob@a.example')).map((b) => b.contact), ['sip:bob@10.0.0.2']);
    await loc.apply(upd({ callId: 'x', cseq: 2, changes: 'remove-all' }));
    assert.equal((await loc.lookup('sip:bob@a.example')).length, 0);
    await loc.apply(upd({ changes: [ch('sip:bob@10.0.0.3')], flow: { transport: 'WS', host: '192.0.2.9', port: 40000, connectionId: 'ws-1' } }));
    await loc.apply(upd({ callId: 'y', changes: [ch('sip:bob@10.0.0.4')] }));
    assert.equal(await loc.dropConnection('ws-1'), 1);
    assert.deepEqual((await loc.lookup('sip:bob@a.example')).map((b) => b.contact), ['sip:bob@10.0.0.4']);
    assert.equal(await loc.dropConnection('ws-unknown'), 0);
  });

  it('a closed connection drops the bindings on it, of every AoR, and none that moved to another connection', async () => {
    const { loc } = await make(new FakeClock());
    const ws = (id: string) => ({ transport: 'WS' as const, host: '192.0.2.9', port: 40000, connectionId: id });
    for (const name of ['ann', 'ben', 'cat']) {
      assert.ok((await loc.apply(upd({ aor: `sip:${name}@a.example`, callId: name, changes: [ch(`sip:${name}@10.0.0.1`)], flow: ws('c1') }))).ok);
    }
    // ben reconnects and registers the same contact over a new connection
    assert.ok((await loc.apply(upd({ aor: 'sip:ben@a.example', callId: 'ben', cseq: 2, changes: [ch('sip:ben@10.0.0.1')], flow: ws('c2') }))).ok);
    assert.equal(await loc.dropConnection('c1'), 2);
    assert.equal((await loc.lookup('sip:ann@a.example')).length, 0);
    assert.equal((await loc.lookup('sip:cat@a.example')).length, 0);
    assert.equal((await loc.lookup('sip:ben@a.example')).length, 1, 'ben is on c2 now');
    assert.equal(await loc.dropConnection('c1'), 0, 'nothing left on c1');
    assert.equal(await loc.dropConnection('c2'), 1);
    assert.equal((await loc.lookup('sip:ben@a.example')).length, 0);
  });

  it('Contact: * older than a binding fails as a whole; a refresh keeps registeredAt and moves to the front', async () => {
    const clock = new FakeClock();
    const { loc } = await make(clock);
    await loc.apply(upd({ callId: 'a', cseq: 5, changes: [ch('sip:bob@10.0.0.1')] }));
    clock.tick(10);
    await loc.apply(upd({ callId: 'b', cseq: 1, changes: [{ contact: 'sip:bob@10.0.0.2', key: '<urn:uuid:1>', expires: 300, q: 0.5, instanceId: '<urn:uuid:1>' }] }));
    assert.deepEqual(await loc.apply(upd({ callId: 'a', cseq: 5, changes: 'remove-all' })), { ok: false, code: 'EDGE_REG_OUT_OF_ORDER' });
    assert.equal((await loc.lookup('sip:bob@a.example')).length, 2);
    clock.tick(10);
    const r = await loc.apply(upd({ callId: 'a', cseq: 6, changes: [ch('sip:bob@10.0.0.1', 120)], userAgent: 'ua/2' }));
    assert.ok(r.ok);
    const [first, second] = r.bindings;
    assert.equal(first!.contact, 'sip:bob@10.0.0.1');
    assert.equal(first!.registeredAt, clock.now() - 20);
    assert.equal(first!.updatedAt, clock.now());
    assert.equal(first!.expiresAt, clock.now() + 120_000);
    assert.equal(first!.userAgent, 'ua/2');
    assert.deepEqual(second, {
      aor: 'sip:bob@a.example', contact: 'sip:bob@10.0.0.2', key: '<urn:uuid:1>', expiresAt: clock.now() - 10 + 300_000, q: 0.5, callId: 'b', cseq: 1,
      flow: { transport: 'UDP', host: '192.0.2.1', port: 5060 }, userAgent: undefined, instanceId: '<urn:uuid:1>',
      registeredAt: clock.now() - 10, updatedAt: clock.now() - 10, owner, edge: undefined,
    });
    assert.deepEqual(await loc.lookup('sip:bob@a.example'), r.bindings, 'lookup returns what apply returned');
    // the same millisecond: the later update is still listed first
    await loc.apply(upd({ callId: 'c', changes: [ch('sip:bob@10.0.0.3')] }));
    await loc.apply(upd({ callId: 'd', changes: [ch('sip:bob@10.0.0.4')] }));
    assert.deepEqual((await loc.lookup('sip:bob@a.example')).map((b) => b.contact).slice(0, 2), ['sip:bob@10.0.0.4', 'sip:bob@10.0.0.3']);
    assert.equal((await loc.lookup('sip:nobody@a.example')).length, 0);
  });

  it('bindings applied after attachEdge belong to that edge node', async () => {
    const { loc } = await make(new FakeClock());
    const node = { id: 'edge-a', host: '127.0.0.1', port: 5069 };
    await loc.attachEdge(node);
    const r = await loc.apply(upd({ changes: [ch('sip:bob@10.0.0.1')] }));
    assert.ok(r.ok);
    assert.deepEqual(r.bindings[0]!.edge, node);
    assert.deepEqual((await loc.lookup('sip:bob@a.example'))[0]!.edge, node);
    assert.equal(loc.isPeerEdge('127.0.0.1', 5069), false, 'a node is not its own peer');
  });
}

describe('location service: MemoryLocation', () => {
  const open: MemoryLocation[] = [];
  after(async () => {
    for (const l of open) await l.close();
  });
  cases(async (clock) => {
    const loc = new MemoryLocation({ clock, sweepMs: 0 });
    open.push(loc);
    return { loc, sweep: async () => loc.sweep() };
  });
});

describe('location service: RedisLocation', { skip: redisSkipReason() }, () => {
  let server: RedisServer;
  let redis: RuntimeRedis;
  const open: RedisLocation[] = [];
  before(async () => {
    server = await startRedis();
    const r = await openRuntimeRedis(server.url);
    assert.ok(r.ok, r.ok ? '' : r.reason);
    redis = r.redis;
  });
  after(async () => {
    for (const l of open) await l.close();
    await redis?.close();
    await server?.stop();
  });
  cases(async (clock) => {
    // a fresh prefix per case: the cases share one server but never each other's keys
    const r = await openRuntimeRedis(server.url, { prefix: `t${randomBytes(4).toString('hex')}:` });
    assert.ok(r.ok);
    const loc = await RedisLocation.open({ redis: r.redis, clock, sweepMs: 0 });
    open.push(loc);
    const close = loc.close.bind(loc);
    loc.close = async () => {
      await close();
      await r.redis.close();
    };
    return { loc, sweep: () => loc.sweep() };
  });
});

it('flows survive the Record-Route parameter round trip; X-Sy-Source format', () => {
  const f = { transport: 'WS' as const, host: '2001:db8::1', port: 443, connectionId: 'ws-7' };
  assert.deepEqual(decodeFlow(encodeFlow(f)), f);
  assert.deepEqual(decodeFlow(encodeFlow({ transport: 'UDP', host: '192.0.2.1', port: 5060 })), { transport: 'UDP', host: '192.0.2.1', port: 5060 });
  assert.equal(decodeFlow('garbage!'), undefined);
  assert.equal(decodeFlow(Buffer.from('XX|h|1|').toString('base64url')), undefined);
  assert.equal(formatSource(f), '[2001:db8::1]:443;transport=ws');
});
