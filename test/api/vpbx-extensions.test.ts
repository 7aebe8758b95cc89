// Extensions API (seed-part2 §1.4, S3): number validation, unique per client, one route target guarded by the
// API and by the table's CHECK constraint, unavailable targets refused.
import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { forEachBackend } from '../support/stores.ts';
import { buildTestApi, expectProblem, injectAs, ok, seedWorld, type World } from '../support/api.ts';
import { configureSipSecretKey } from '../../src/store/secrets/sip-secret.ts';

forEachBackend('vPBX extensions API', (b) => {
  let app: FastifyInstance;
  let w: World;
  let userA: number;
  before(async () => {
    configureSipSecretKey(randomBytes(32).toString('base64'));
    app = await buildTestApi(b.store);
    w = await seedWorld(app, b.store);
    userA = ok(await injectAs(app, w.clientTokenA, 'POST', '/api/client/users', { name: 'Alice', email: 'alice@a.example' }), 201).id;
  });
  after(async () => {
    await app.close();
  });

  it('S3: 7 is too short, 1a is not numeric; 101 is accepted and unique per client', async () => {
    expectProblem(await injectAs(app, w.clientTokenA, 'POST', '/api/client/extensions', { number: '7' }), 400, 'VALIDATION_FAILED', '/number');
    const r = await injectAs(app, w.clientTokenA, 'POST', '/api/client/extensions', { number: '1a' });
    expectProblem(r, 400, 'VALIDATION_FAILED', '/number');
    assert.equal(r.body.errors[0].code, 'EXTENSION_NOT_NUMERIC');
    const e = ok(await injectAs(app, w.clientTokenA, 'POST', '/api/client/extensions', { number: '101', routeType: 'user', userId: userA }), 201);
    assert.equal(e.routeType, 'user');
    assert.equal(e.userId, userA);
    assert.equal(e.numberValue, null);
    expectProblem(await injectAs(app, w.clientTokenA, 'POST', '/api/client/extensions', { number: '101' }), 409, 'UNIQUE_VIOLATION', '/number');
    ok(await injectAs(app, w.clientTokenB, 'POST', '/api/client/extensions', { number: '101' }), 201);
    const un = ok(await injectAs(app, w.clientTokenA, 'POST', '/api/client/extensions', { number: '199' }), 201);
    assert.equal(un.routeType, 'unassigned');
  });

  it('the route target must match the route type', async () => {
    expectProblem(await injectAs(app, w.clientTokenA, 'POST', '/api/client/extensions', { number: '120', routeType: 'user' }), 400, 'VALIDATION_FAILED', '/userId');
    expectProblem(await injectAs(app, w.clientTokenA, 'POST', '/api/client/extensions', { number: '121', routeType: 'number', userId: userA }), 400, 'VALIDATION_FAILED', '/userId');
    expectProblem(await injectAs(app, w.clientTokenA, 'POST', '/api/client/extensions', { number: '122', routeType: 'number', numberValue: '944048184' }), 400, 'VALIDATION_FAILED', '/numberValue');
    expectProblem(await injectAs(app, w.clientTokenA, 'POST', '/api/client/extensions', { number: '123', userId: userA }), 400, 'VALIDATION_FAILED', '/userId');
    for (const routeType of ['ivr', 'huntGroup', 'friend', 'queue', 'conditionalRoute', 'conferenceRoom', 'voicemail']) {
      const r = await injectAs(app, w.clientTokenA, 'POST', '/api/client/extensions', { number: '124', routeType });
      expectProblem(r, 400, 'VALIDATION_FAILED', '/routeType');
      assert.equal(r.body.errors[0].code, 'ROUTE_TYPE_NOT_AVAILABLE');
    }
    expectProblem(await injectAs(app, w.clientTokenA, 'POST', '/api/client/extensions', { number: '125', routeType: 'fax' }), 400, 'VALIDATION_FAILED', '/routeType');
  });

  it('changing the route type clears the previous target', async () => {
    const e = ok(await injectAs(app, w.clientTokenA, 'POST', '/api/client/extensions', { number: '200', routeType: 'user', userId: userA }), 201);
    const n = ok(await injectAs(app, w.clientTokenA, 'PATCH', `/api/client/extensions/${e.id}`, { routeType: 'number', numberValue: '+34944048184' }));
    assert.equal(n.userId, null);
    assert.equal(n.numberValue, '+34944048184');
    const u = ok(await injectAs(app, w.clientTokenA, 'PATCH', `/api/client/extensions/${e.id}`, { routeType: 'unassigned' }));
    assert.equal(u.numberValue, null);
    // a target without its type is refused rather than silently kept
    expectProblem(await injectAs(app, w.clientTokenA, 'PATCH', `/api/client/extensions/${e.id}`, { userId: userA }), 400, 'VALIDATION_FAILED', '/userId');
  });

  it('the CHECK constraint refuses rows with a wrong or missing target (writers that bypass the API)', async () => {
    const bad = [
      sql`insert into extensions (client_id, number, route_type) values (${w.clientA}, '300', 'user')`,
      sql`insert into extensions (client_id, number, route_type, user_id, number_value) values (${w.clientA}, '301', 'user', ${userA}, '+34944048184')`,
      sql`insert into extensions (client_id, number, route_type, ivr_id) values (${w.clientA}, '302', 'unassigned', 1)`,
      sql`insert into extensions (client_id, number, route_type) values (${w.clientA}, '7', 'unassigned')`,
    ];
    for (const q of bad) await assert.rejects(q.execute(b.store.db), /check constraint/);
    await sql`insert into extensions (client_id, number, route_type, ivr_id) values (${w.clientA}, '303', 'ivr', 1)`.execute(b.store.db);
  });

  it('a user routed by an extension cannot be deleted (409); its screen extension can (cleared)', async () => {
    const u = ok(await injectAs(app, w.clientTokenA, 'POST', '/api/client/users', { name: 'Del', email: 'del@a.example' }), 201);
    const e = ok(await injectAs(app, w.clientTokenA, 'POST', '/api/client/extensions', { number: '400', routeType: 'user', userId: u.id }), 201);
    ok(await injectAs(app, w.clientTokenA, 'PATCH', `/api/client/users/${u.id}`, { screenExtensionId: e.id }));
    expectProblem(await injectAs(app, w.clientTokenA, 'DELETE', `/api/client/users/${u.id}`), 409, 'IN_USE');
    assert.equal((await injectAs(app, w.clientTokenA, 'DELETE', `/api/client/extensions/${e.id}`)).status, 204);
    assert.equal(ok(await injectAs(app, w.clientTokenA, 'GET', `/api/client/users/${u.id}`)).screenExtensionId, null);
    assert.equal((await injectAs(app, w.clientTokenA, 'DELETE', `/api/client/users/${u.id}`)).status, 204);
  });
}, { fresh: 'suite' });
