// Read-only views the SIP side writes: registrations, active calls, call registry. Rows are inserted here as the
// edge/B2BUA will; the API shows them per tenant (client, its brand, the user for its own rows) and refuses writes.
import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { forEachBackend } from '../support/stores.ts';
import { TEST_SECRET, buildTestApi, expectProblem, injectAs, ok, seedWorld, type World } from '../support/api.ts';
import { configureSipSecretKey } from '../../src/store/secrets/sip-secret.ts';
import { verifyUserLogin } from '../../src/api/resources/users-login.ts';
import { startSession } from '../../src/api/auth/sessions.ts';

forEachBackend('vPBX views API', (b) => {
  let app: FastifyInstance;
  let w: World;
  let alice: number;
  let bob: number;
  let aliceToken: string;
  before(async () => {
    configureSipSecretKey(randomBytes(32).toString('base64'));
    app = await buildTestApi(b.store);
    w = await seedWorld(app, b.store);
    const mk = async (token: string, name: string, email: string) => {
      const t = ok(await injectAs(app, token, 'POST', '/api/client/terminals', { name, password: name }), 201).id as number;
      const u = ok(await injectAs(app, token, 'POST', '/api/client/users', { name, email, password: 'portal-pw', terminalId: t }), 201).id as number;
      return { t, u };
    };
    const a = await mk(w.clientTokenA, 'alice', 'alice@a.example');
    const c = await mk(w.clientTokenA, 'bob', 'bob@a.example');
    const x = await mk(w.clientTokenB, 'xavier', 'xavier@b.example');
    alice = a.u;
    bob = c.u;
    const db = b.store.db;
    const exp = new Date(Date.now() + 3600_000);
    await db.insertInto('registrations').values([
      { clientId: w.clientA, terminalId: a.t, userId: a.u, aor: 'sip:alice@a.pbx.example.com', contact: 'sip:alice@192.0.2.10:5060', expiresAt: exp, userAgent: 'Yealink', received: 'udp:192.0.2.10:5060' },
      { clientId: w.clientA, terminalId: c.t, userId: c.u, aor: 'sip:bob@a.pbx.example.com', contact: 'sip:bob@192.0.2.11:5060', expiresAt: exp },
      { clientId: w.clientB, terminalId: x.t, userId: x.u, aor: 'sip:xavier@b.pbx.example.com', contact: 'sip:xavier@198.51.100.7:5060', expiresAt: exp },
    ]).execute();
    await db.insertInto('activeCalls').values([
      { brandId: w.brandA, clientId: w.clientA, userId: a.u, callId: 'c1', direction: 'outbound', state: 'early', ownerType: 'user', ownerId: a.u, ownerName: '101', party: '102' },
      { brandId: w.brandA, clientId: w.clientA, userId: c.u, callId: 'c1', direction: 'inbound', state: 'early', ownerType: 'user', ownerId: c.u, ownerName: '102', party: '101' },
      { brandId: w.brandB, clientId: w.clientB, userId: x.u, callId: 'c2', direction: 'outbound', state: 'confirmed', ownerType: 'user', ownerId: x.u },
    ]).execute();
    const start = new Date('2025-01-01T10:00:00Z');
    await db.insertInto('callRegistry').values([
      { brandId: w.brandA, clientId: w.clientA, userId: a.u, callId: 'c0', startTime: start, duration: 42, caller: '101', callee: '102', direction: 'outbound', disposition: 'answered', endpointType: 'user', endpointId: a.u, endpointName: '101' },
      { brandId: w.brandA, clientId: w.clientA, userId: c.u, callId: 'c0', startTime: start, duration: 42, caller: '101', callee: '102', direction: 'inbound', disposition: 'answered', endpointType: 'user', endpointId: c.u, endpointName: '102' },
      { brandId: w.brandB, clientId: w.clientB, userId: x.u, callId: 'c9', startTime: start, duration: 0, caller: '201', callee: '202', direction: 'outbound', disposition: 'busy' },
    ]).execute();
    const login = await verifyUserLogin(db, 'alice@a.example', 'portal-pw');
    assert.ok(login.ok);
    aliceToken = (await startSession(db, { jwtSecret: TEST_SECRET, accessTtlSeconds: 3600, refreshTtlSeconds: 3600, now: Date.now }, login.caller)).token;
  });
  after(async () => {
    await app.close();
  });

  const ids = (body: { items: Array<{ userId: number | null }> }) => body.items.map((i) => i.userId).sort();

  it('registrations: client sees its own, its brand too, the user only its terminal, other tenants nothing', async () => {
    const a = ok(await injectAs(app, w.clientTokenA, 'GET', '/api/client/registrations'));
    assert.deepEqual(ids(a), [alice, bob].sort());
    const first = a.items.find((r: { userId: number }) => r.userId === alice);
    assert.equal(first.aor, 'sip:alice@a.pbx.example.com');
    assert.equal(first.received, 'udp:192.0.2.10:5060');
    assert.equal(first.userAgent, 'Yealink');
    assert.equal(ok(await injectAs(app, w.brandTokenA, 'GET', '/api/brand/registrations')).total, 2);
    assert.equal(ok(await injectAs(app, w.brandTokenB, 'GET', '/api/brand/registrations')).total, 1);
    assert.equal(ok(await injectAs(app, w.clientTokenB, 'GET', `/api/client/registrations?userId=${alice}`)).total, 0);
    expectProblem(await injectAs(app, w.clientTokenB, 'GET', `/api/client/registrations/${first.id}`), 404, 'NOT_FOUND');
    assert.deepEqual(ids(ok(await injectAs(app, aliceToken, 'GET', '/api/user/registrations'))), [alice]);
    assert.equal((await injectAs(app, w.clientTokenA, 'POST', '/api/client/registrations', { aor: 'x', contact: 'y' })).status, 404);
    assert.equal((await injectAs(app, w.clientTokenA, 'DELETE', `/api/client/registrations/${first.id}`)).status, 404);
  });

  it('active calls: one row per endpoint, per tenant; the user sees its own leg', async () => {
    const a = ok(await injectAs(app, w.clientTokenA, 'GET', '/api/client/active-calls'));
    assert.deepEqual(ids(a), [alice, bob].sort());
    assert.ok(a.items.every((c: { state: string; callId: string }) => c.state === 'early' && c.callId === 'c1'));
    assert.ok(!('brandId' in a.items[0]) && !('clientId' in a.items[0]));
    const br = ok(await injectAs(app, w.brandTokenA, 'GET', '/api/brand/active-calls'));
    assert.equal(br.total, 2);
    assert.equal(br.items[0].clientId, w.clientA);
    assert.equal(ok(await injectAs(app, w.god, 'GET', '/api/platform/active-calls')).total, 3);
    assert.deepEqual(ids(ok(await injectAs(app, aliceToken, 'GET', '/api/user/active-calls'))), [alice]);
  });

  it('call registry: client sees its calls, the user its own, other clients nothing', async () => {
    const a = ok(await injectAs(app, w.clientTokenA, 'GET', '/api/client/call-registry'));
    assert.deepEqual(ids(a), [alice, bob].sort());
    assert.equal(a.items[0].duration, 42);
    assert.equal(a.items[0].disposition, 'answered');
    const mine = ok(await injectAs(app, aliceToken, 'GET', '/api/user/call-registry'));
    assert.deepEqual(ids(mine), [alice]);
    assert.equal(mine.items[0].direction, 'outbound');
    assert.equal(ok(await injectAs(app, w.clientTokenB, 'GET', '/api/client/call-registry')).total, 1);
    assert.equal((await injectAs(app, w.brandTokenA, 'GET', '/api/brand/call-registry')).status, 404);
  });
}, { fresh: 'suite' });
