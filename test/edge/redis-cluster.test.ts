// Two users edges sharing their registrations through a real redis-server (cluster mode, issue 6): a phone
// registers over TCP at edge A; edge B sees the binding; a call entering via edge B reaches the phone through edge
// A (B relays to A's internal listener, A sends over the phone's TCP connection); in-dialog requests follow A's
// Record-Route; an unregister at A is seen by B; expiry swept on B removes A's binding everywhere; the
// registrations table is written by the edge that applied each change, with the owning edge as `node`.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../src/sip/clock.ts';
import { createSipStack } from '../../src/sip/stack.ts';
import type { TransportName } from '../../src/sip/transaction/types.ts';
import { UserAgent, type IncomingCall } from '../../src/sip/ua/user-agent.ts';
import { openRuntimeRedis, type RuntimeRedis } from '../../src/store/runtime/redis.ts';
import { RedisLocation } from '../../src/edge/users/location-redis.ts';
import { UsersEdge, aorOf } from '../../src/edge/users/index.ts';
import type { ChangeOrigin } from '../../src/edge/users/location.ts';
import { redisSkipReason, startRedis, type RedisServer } from '../support/redis.ts';
import { DOMAIN, SDP, startEdgeWorld, until, type EdgeWorld } from './support.ts';

describe('users edge cluster: registrations shared in Redis', { skip: redisSkipReason() }, () => {
  let server: RedisServer | undefined;
  let W: EdgeWorld | undefined;
  let edgeB: UsersEdge | undefined;
  const clock = new FakeClock(Date.now());
  const cleanup: Array<() => Promise<unknown>> = [];
  let locA: RedisLocation;
  let locB: RedisLocation;
  const seenOnB: string[] = [];

  async function location(): Promise<RedisLocation> {
    const r = await openRuntimeRedis(server!.url, { prefix: 'cluster-test:' });
    assert.ok(r.ok, r.ok ? '' : r.reason);
    const redis: RuntimeRedis = r.redis;
    cleanup.push(() => redis.close());
    const loc = await RedisLocation.open({ redis, clock, sweepMs: 0 });
    cleanup.push(() => loc.close());
    return loc;
  }

  before(async () => {
    server = await startRedis();
    locA = await location();
    locB = await location();
    W = await startEdgeWorld({ location: locA, node: 'edge-a' });
    edgeB = await UsersEdge.start({
      directory: W.dir,
      listen: [
        { transport: 'udp', host: '127.0.0.1', port: 0 },
        { transport: 'tcp', host: '127.0.0.1', port: 0 },
      ],
      internal: { transport: 'udp', host: '127.0.0.1', port: 0 },
      appNodes: [{ host: '127.0.0.1', port: W.app.port, transport: 'UDP' }],
      location: locB,
      node: 'edge-b',
      store: { db: W.store.db, node: 'edge-b', delayMs: 20 },
    });
    // the app node sends its B legs to edge B: calls for phones held by A must cross over
    W.app.edge = { transport: 'UDP', ...edgeB.internalAddress };
    locB.onChange((aor, b, origin: ChangeOrigin) => seenOnB.push(`${aor}:${b.length}:${origin}`));
  });
  after(async () => {
    await edgeB?.close().catch(() => {});
    await W?.close();
    for (const f of cleanup.reverse()) await f().catch(() => {});
    await server?.stop();
  });

  async function phone(name: string, transport: TransportName, edge: UsersEdge) {
    const stack = await createSipStack({ listen: [{ transport: transport === 'TCP' ? 'tcp' : 'udp', host: '127.0.0.1', port: 0 }] });
    cleanup.push(() => stack.close());
    const port = stack.addresses[0]!.port;
    const ua = new UserAgent({
      layer: stack.tx,
      aor: `sip:${name}@${DOMAIN}`,
      contact: { host: '127.0.0.1', port, transport },
      outbound: { transport, ...edge.address(transport)! },
      credentials: { username: name, password: W!.terminals[name]!.password },
      userAgent: `test-phone/${name}`,
    });
    const calls: IncomingCall[] = [];
    ua.onCall((c) => calls.push(c));
    return { ua, stack, port, calls };
  }

  const rows = async (aor: string) => W!.store.db.selectFrom('registrations').select(['contact', 'node', 'received']).where('aor', '=', aor).execute();

  it('TCP registration at A: B sees it; a call via B reaches the phone through A; unregister and expiry seen by both', async () => {
    const bobAor = aorOf('bob', DOMAIN);
    const bob = await phone('bob', 'TCP', W!.edge);
    assert.ok((await bob.ua.register({ expires: 600 })).ok);
    const atB = await edgeB!.location.lookup(bobAor);
    assert.equal(atB.length, 1, 'edge B sees the binding made at A');
    assert.equal(atB[0]!.flow.transport, 'TCP');
    assert.ok(atB[0]!.flow.connectionId !== undefined);
    assert.equal(atB[0]!.edge?.id, 'edge-a');
    assert.deepEqual({ host: atB[0]!.edge!.host, port: atB[0]!.edge!.port }, W!.edge.internalAddress);
    await until(() => seenOnB.includes(`${bobAor}:1:remote`));

    // the registrations table: written by A (the edge that applied it), node = the owning edge
    await Promise.all([W!.edge.mirror!.flush(), edgeB!.mirror!.flush()]);
    assert.deepEqual((await rows(bobAor)).map((r) => [r.node, (r.received ?? '').startsWith('tcp:')]), [['edge-a', true]]);

    // alice (UDP at B) calls bob: alice → B → app → B → (relay) A → bob over TCP
    const alice = await phone('alice', 'UDP', edgeB!);
    assert.ok((await alice.ua.register({ expires: 600 })).ok);
    const call = alice.ua.invite(`sip:bob@${DOMAIN}`, { sdp: SDP('127.0.0.1', 4000) });
    await until(() => bob.calls.length === 1);
    const inc = bob.calls[0]!;
    const rr = inc.invite.recordRoutes();
    assert.equal(rr.length, 2, 'only A record-routes (B is a transit hop for the initial request)');
    assert.equal(rr[0]!.uri.port, W!.edge.address('TCP')!.port, "A's phone-facing entry on top");
    assert.equal(rr[1]!.uri.port, W!.edge.internalAddress.port);
    const vias = inc.invite.via;
    assert.equal(vias[0]!.port, W!.edge.address('TCP')!.port, 'sent by A over the TCP flow');
    assert.ok(vias.some((v) => v.port === edgeB!.internalAddress.port), "B's Via: responses return through B");
    const names = [...inc.invite.headers].map(([n]) => n.toLowerCase());
    assert.equal(names.some((n) => n.startsWith('x-sy-')), false, 'no internal header reaches the phone');
    inc.ringing();
    assert.ok(await inc.answer(SDP('127.0.0.1', 5000)));
    assert.deepEqual(await call.established, { ok: true });
    // in-dialog from the app side enters at B and follows A's Record-Route to the phone
    assert.equal(await call.info('7'), 200);
    await until(() => inc.dtmf.includes('7'));
    // BYE from bob goes bob → A → app → B → alice
    assert.equal(await inc.hangup(), 200);
    assert.equal((await call.ended).by, 'remote');

    // unregister at A: B sees it
    assert.ok((await bob.ua.register({ expires: 0 })).ok);
    assert.equal((await edgeB!.location.lookup(bobAor)).length, 0);
    await until(() => seenOnB.includes(`${bobAor}:0:remote`));
    await Promise.all([W!.edge.mirror!.flush(), edgeB!.mirror!.flush()]);
    assert.equal((await rows(bobAor)).length, 0);
    assert.ok((await alice.ua.register({ expires: 0 })).ok);
  });

  it('forking over both edges: the device at B answers, the device at A gets CANCEL through A', async () => {
    const atA = await phone('bob', 'TCP', W!.edge);
    const atB = await phone('bob', 'UDP', edgeB!);
    assert.ok((await atA.ua.register({ expires: 600 })).ok);
    assert.ok((await atB.ua.register({ expires: 600 })).ok);
    const bindings = await locB.lookup(aorOf('bob', DOMAIN));
    assert.deepEqual(bindings.map((b) => b.edge?.id).sort(), ['edge-a', 'edge-b']);
    const alice = await phone('alice', 'UDP', edgeB!);
    assert.ok((await alice.ua.register({ expires: 600 })).ok);
    const call = alice.ua.invite(`sip:bob@${DOMAIN}`, { sdp: SDP('127.0.0.1', 4000) });
    await until(() => atA.calls.length === 1 && atB.calls.length === 1);
    atA.calls[0]!.ringing();
    atB.calls[0]!.ringing();
    assert.ok(await atB.calls[0]!.answer(SDP('127.0.0.1', 5002)));
    assert.deepEqual(await call.established, { ok: true });
    assert.equal((await atA.calls[0]!.ended).status, 487, 'CANCEL crossed B → A → phone');
    assert.equal(await call.hangup(), 200);
    assert.equal((await atB.calls[0]!.ended).by, 'remote');
    for (const p of [atA, atB, alice]) assert.ok((await p.ua.register({ expires: 0 })).ok);
  });

  it('a binding registered at A expires for both; the sweep on B removes it everywhere', async () => {
    const carolAor = aorOf('carol', DOMAIN);
    const carol = await phone('carol', 'TCP', W!.edge);
    assert.ok((await carol.ua.register({ expires: 60 })).ok);
    await W!.edge.mirror!.flush();
    assert.equal((await rows(carolAor)).length, 1);
    const seenOnA: string[] = [];
    const off = locA.onChange((aor, b, origin) => seenOnA.push(`${aor}:${b.length}:${origin}`));
    clock.tick(61_000);
    assert.equal((await W!.edge.location.lookup(carolAor)).length, 0);
    assert.equal((await edgeB!.location.lookup(carolAor)).length, 0);
    await locB.sweep();
    await until(() => seenOnA.includes(`${carolAor}:0:remote`));
    off();
    await until(() => locA.size() === 0); // the cached size follows within 250 ms
    await edgeB!.mirror!.flush(); // B applied the expiry: B writes it
    assert.equal((await rows(carolAor)).length, 0);
  });

  it('a relayed request from an address that is no edge or app node is refused', async () => {
    // alice's own phone stack pretending to be an edge: its INVITE to A's internal listener gets 403
    const { createRequest } = await import('../../src/sip/message.ts');
    const { request } = await import('./support.ts');
    const stack = await createSipStack({ listen: [{ transport: 'udp', host: '127.0.0.1', port: 0 }] });
    cleanup.push(() => stack.close());
    const inv = createRequest({
      method: 'INVITE',
      uri: `sip:bob@127.0.0.1:9`,
      headers: [
        ['Max-Forwards', '70'],
        ['From', `<sip:x@${DOMAIN}>;tag=1`],
        ['To', `<sip:bob@${DOMAIN}>`],
        ['Call-ID', 'forged@x'],
        ['CSeq', '1 INVITE'],
        ['Route', `<sip:127.0.0.1:${W!.edge.internalAddress.port};lr>`],
      ],
    });
    const res = await request(stack, inv, { transport: 'UDP', ...W!.edge.internalAddress });
    assert.equal(res.status, 403);
  });
});
