// Cross-tenant matrix: brand A's admin and A's client admins cannot read, list, update, delete or reference
// anything of brand B (404, never 403), and clients never see god-only fields.
import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { forEachBackend } from '../support/stores.ts';
import { buildTestApi, expectProblem, injectAs, ok, seedWorld, type World } from '../support/api.ts';

forEachBackend('API tenancy', (b) => {
  let app: FastifyInstance;
  let w: World;
  // One store and world for the suite: tests below only write rows no other test looks at.
  before(async () => {
    app = await buildTestApi(b.store);
    w = await seedWorld(app, b.store);
  });
  after(async () => {
    await app.close();
  });

  it('brand A cannot get, update or delete any row of brand B (404)', async () => {
    const targets: Array<[string, number]> = [
      ['/api/brand/brands', w.brandB],
      ['/api/brand/clients', w.clientB],
      ['/api/brand/corporations', w.corpB],
      ['/api/brand/authorized-sources', w.sourceB],
      ['/api/brand/administrators', w.brandAdminB],
      ['/api/brand/administrators', w.clientAdminB],
    ];
    for (const [path, id] of targets) {
      expectProblem(await injectAs(app, w.brandTokenA, 'GET', `${path}/${id}`), 404, 'NOT_FOUND');
      if (!path.endsWith('/brands')) {
        expectProblem(await injectAs(app, w.brandTokenA, 'PATCH', `${path}/${id}`, {}), 404, 'NOT_FOUND');
        expectProblem(await injectAs(app, w.brandTokenA, 'DELETE', `${path}/${id}`), 404, 'NOT_FOUND');
      }
    }
    // nothing of B changed
    const c = ok(await injectAs(app, w.god, 'GET', `/api/platform/clients/${w.clientB}`));
    assert.equal(c.name, 'Client B');
    ok(await injectAs(app, w.god, 'GET', `/api/platform/administrators/${w.brandAdminB}`));
  });

  it('brand lists contain only the brand subtree', async () => {
    const brands = ok(await injectAs(app, w.brandTokenA, 'GET', '/api/brand/brands'));
    assert.deepEqual(brands.items.map((x: { id: number }) => x.id), [w.brandA]);
    const clients = ok(await injectAs(app, w.brandTokenA, 'GET', '/api/brand/clients'));
    assert.deepEqual(clients.items.map((x: { id: number }) => x.id), [w.clientA]);
    assert.equal(clients.total, 1);
    const admins = ok(await injectAs(app, w.brandTokenA, 'GET', '/api/brand/administrators'));
    assert.deepEqual(admins.items.map((x: { username: string }) => x.username).sort(), ['cla', 'opa']);
    const sources = ok(await injectAs(app, w.brandTokenA, 'GET', '/api/brand/authorized-sources'));
    assert.deepEqual(sources.items.map((x: { id: number }) => x.id), [w.sourceA]);
    // filters cannot widen the scope
    const byId = ok(await injectAs(app, w.brandTokenA, 'GET', `/api/brand/clients?id[in]=${w.clientA},${w.clientB}`));
    assert.deepEqual(byId.items.map((x: { id: number }) => x.id), [w.clientA]);
  });

  it('brand A cannot reference rows of brand B', async () => {
    expectProblem(
      await injectAs(app, w.brandTokenA, 'POST', '/api/brand/clients', { type: 'vpbx', name: 'X', domain: 'x.example.com', corporationId: w.corpB }),
      404, 'REFERENCE_NOT_FOUND', '/corporationId',
    );
    expectProblem(await injectAs(app, w.brandTokenA, 'POST', '/api/brand/authorized-sources', { clientId: w.clientB, ip: '10.0.0.1' }), 404, 'REFERENCE_NOT_FOUND', '/clientId');
    expectProblem(await injectAs(app, w.brandTokenA, 'POST', '/api/brand/administrators', { clientId: w.clientB, username: 'evil', password: 'password1' }), 404, 'REFERENCE_NOT_FOUND', '/clientId');
    expectProblem(await injectAs(app, w.brandTokenA, 'PATCH', `/api/brand/clients/${w.clientA}`, { corporationId: w.corpB }), 404, 'REFERENCE_NOT_FOUND', '/corporationId');
    // brandId is stamped from the token, not writable
    expectProblem(await injectAs(app, w.brandTokenA, 'POST', '/api/brand/corporations', { brandId: w.brandB, name: 'Y' }), 400, 'VALIDATION_FAILED', '/brandId');
    const none = ok(await injectAs(app, w.god, 'GET', '/api/platform/clients?name=X'));
    assert.equal(none.total, 0, 'nothing half-written');
  });

  it('client admins see only their own client and cannot reach brand B or sibling rows', async () => {
    const own = ok(await injectAs(app, w.clientTokenA, 'GET', '/api/client/clients'));
    assert.deepEqual(own.items.map((x: { id: number }) => x.id), [w.clientA]);
    expectProblem(await injectAs(app, w.clientTokenA, 'GET', `/api/client/clients/${w.clientB}`), 404, 'NOT_FOUND');
    expectProblem(await injectAs(app, w.clientTokenA, 'GET', `/api/client/authorized-sources/${w.sourceB}`), 404, 'NOT_FOUND');
    expectProblem(await injectAs(app, w.clientTokenA, 'GET', `/api/client/administrators/${w.clientAdminB}`), 404, 'NOT_FOUND');
    expectProblem(await injectAs(app, w.clientTokenA, 'GET', `/api/client/administrators/${w.brandAdminA}`), 404, 'NOT_FOUND');
    expectProblem(await injectAs(app, w.clientTokenA, 'DELETE', `/api/client/administrators/${w.clientAdminB}`), 404, 'NOT_FOUND');
    const admins = ok(await injectAs(app, w.clientTokenA, 'GET', '/api/client/administrators'));
    assert.deepEqual(admins.items.map((x: { username: string }) => x.username), ['cla']);
    // brand-level resources are not routed at client level at all
    expectProblem(await injectAs(app, w.clientTokenA, 'GET', '/api/client/brands'), 404, 'NOT_FOUND');
    expectProblem(await injectAs(app, w.clientTokenA, 'GET', '/api/client/corporations'), 404, 'NOT_FOUND');
  });

  it('client admins create admins only inside their client', async () => {
    const created = ok(await injectAs(app, w.clientTokenA, 'POST', '/api/client/administrators', { username: 'cla2', password: 'password2' }), 201);
    const row = ok(await injectAs(app, w.god, 'GET', `/api/platform/administrators/${created.id}`));
    assert.equal(row.clientId, w.clientA);
    assert.equal(row.brandId, w.brandA);
    assert.equal(row.level, 'client');
    expectProblem(await injectAs(app, w.clientTokenA, 'POST', '/api/client/administrators', { username: 'x', password: 'password2', clientId: w.clientB }), 400, 'VALIDATION_FAILED', '/clientId');
  });

  it('god-only fields are invisible and not writable below platform', async () => {
    const god = ok(await injectAs(app, w.god, 'GET', `/api/platform/clients/${w.clientA}`));
    assert.equal(god.distributeMethod, 'hash');
    assert.ok('mediaRelaySetId' in god && 'applicationServerId' in god);
    const asBrand = ok(await injectAs(app, w.brandTokenA, 'GET', `/api/brand/clients/${w.clientA}`));
    const asClient = ok(await injectAs(app, w.clientTokenA, 'GET', `/api/client/clients/${w.clientA}`));
    for (const row of [asBrand, asClient]) {
      for (const f of ['mediaRelaySetId', 'distributeMethod', 'applicationServerId']) assert.equal(f in row, false, `${f} leaked`);
    }
    const brand = ok(await injectAs(app, w.brandTokenA, 'GET', `/api/brand/brands/${w.brandA}`));
    assert.equal('features' in brand, false, 'brand features are god-only');
    expectProblem(await injectAs(app, w.brandTokenA, 'PATCH', `/api/brand/clients/${w.clientA}`, { distributeMethod: 'rr' }), 400, 'VALIDATION_FAILED', '/distributeMethod');
    const res = await injectAs(app, w.brandTokenA, 'PATCH', `/api/brand/clients/${w.clientA}`, { distributeMethod: 'rr' });
    assert.equal(res.body.errors[0].code, 'UNKNOWN_FIELD', 'god-only fields are unknown below platform');
    const list = ok(await injectAs(app, w.brandTokenA, 'GET', '/api/brand/clients'));
    assert.equal('distributeMethod' in list.items[0], false);
    expectProblem(await injectAs(app, w.brandTokenA, 'GET', '/api/brand/clients?distributeMethod=hash'), 400, 'BAD_QUERY', '/query/distributeMethod');
  });

  it('the audit log is scoped per brand', async () => {
    ok(await injectAs(app, w.brandTokenB, 'PATCH', `/api/brand/clients/${w.clientB}`, { maxCalls: 5 }));
    const a = ok(await injectAs(app, w.brandTokenA, 'GET', '/api/brand/audit-log?pageSize=500'));
    assert.ok(a.items.length > 0);
    assert.ok(a.items.every((e: { brandId: number }) => e.brandId === w.brandA), 'only brand A entries');
    const all = ok(await injectAs(app, w.god, 'GET', '/api/platform/audit-log?resource=clients&action=update'));
    assert.equal(all.total, 1);
    assert.equal(all.items[0].brandId, w.brandB);
    assert.equal(all.items[0].before.maxCalls, 0);
    assert.equal(all.items[0].after.maxCalls, 5);
    assert.equal(all.items[0].after.distributeMethod, 'hash', 'platform sees everything');
    const b = ok(await injectAs(app, w.brandTokenB, 'GET', '/api/brand/audit-log?resource=clients&action=update'));
    assert.equal(b.items[0].after.maxCalls, 5);
    assert.equal('distributeMethod' in b.items[0].after, false, 'no god-only data below platform');
  });
}, { fresh: 'suite' });
