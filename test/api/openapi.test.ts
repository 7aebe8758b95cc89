// Per-level OpenAPI 3.1 documents generated from the registry, and the local Swagger UI pages.
import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { forEachBackend } from '../support/stores.ts';
import { buildTestApi, injectAs, ok } from '../support/api.ts';

forEachBackend('API OpenAPI and docs', (b) => {
  let app: FastifyInstance;
  before(async () => {
    app = await buildTestApi(b.store);
  });
  after(async () => {
    await app.close();
  });

  it('serves one OpenAPI 3.1 document per level with only what the level sees', async () => {
    const docs: Record<string, any> = {}; // eslint-disable-line @typescript-eslint/no-explicit-any
    for (const lvl of ['platform', 'brand', 'client', 'user']) {
      docs[lvl] = ok(await injectAs(app, null, 'GET', `/api/${lvl}/openapi.json`));
      assert.equal(docs[lvl].openapi, '3.1.0');
      assert.ok(docs[lvl].paths[`/api/${lvl}/auth/login`], `${lvl} login documented`);
    }
    const p = docs.platform;
    const br = docs.brand;
    assert.ok(p.paths['/api/platform/brands'].post);
    assert.equal(br.paths['/api/brand/brands'].post, undefined, 'brands are created by the platform only');
    assert.ok(p.components.schemas.Clients.properties.distributeMethod);
    assert.equal(br.components.schemas.Clients.properties.distributeMethod, undefined);
    assert.equal(br.components.schemas.ClientsCreate.properties.brandId, undefined, 'stamped from the token');
    assert.equal(docs.client.components.schemas.Clients.properties.mediaRelaySetId, undefined);
    assert.equal(br.components.schemas.Brands.properties.features, undefined);
    assert.equal(p.components.schemas.Administrators.properties.password, undefined, 'write-only');
    assert.ok(p.components.schemas.AdministratorsCreate.properties.password);
    assert.deepEqual(p.components.schemas.AdministratorsCreate.required.sort(), ['password', 'username']);
    assert.equal(docs.client.paths['/api/client/brands'], undefined);
    assert.ok(br.paths['/api/brand/auth/exchange']);
    assert.ok(p.paths['/api/platform/clients'].get.parameters.some((x: { name: string }) => x.name === 'name[like]'));
    assert.ok(p.components.schemas.Problem);
    // IvozProvider names: /companies is a second path of clients (brand and platform), auth aliases likewise.
    for (const [doc, lvl] of [[p, 'platform'], [br, 'brand']] as const) {
      const alias = doc.paths[`/api/${lvl}/companies`];
      assert.equal(alias['x-alias-of'], `/api/${lvl}/clients`);
      assert.equal(alias.get.operationId, 'listCompanies');
      assert.deepEqual(alias.get.responses['200'], doc.paths[`/api/${lvl}/clients`].get.responses['200']);
      assert.equal(doc.paths[`/api/${lvl}/companies/{id}`].patch.operationId, 'updateCompanies');
      assert.equal(doc.paths[`/api/${lvl}/admin_login`]['x-alias-of'], `/api/${lvl}/auth/login`);
      assert.equal(doc.paths[`/api/${lvl}/token/refresh`]['x-alias-of'], `/api/${lvl}/auth/refresh`);
    }
    assert.equal(br.paths['/api/brand/token/exchange']['x-alias-of'], '/api/brand/auth/exchange');
    assert.equal(docs.client.paths['/api/client/companies'], undefined);
    const opIds = Object.values(p.paths).flatMap((item: any) => Object.values(item).map((o: any) => o?.operationId).filter(Boolean)); // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.equal(new Set(opIds).size, opIds.length, 'operationIds are unique');
    // billing action routes (routes.ts) are documented with the schemas they validate with
    for (const path of ['rating-plans/{id}/simulate', 'rating-plans/simulate', 'carriers/{id}/simulate', 'lcr', 'destination-rates/{id}/imports', 'billable-calls/rerate', 'clients/{id}/simulate']) {
      assert.ok(br.paths[`/api/brand/${path}`]?.post, `brand ${path} documented`);
    }
    assert.ok(br.paths['/api/brand/destination-rates/{id}/imported-file'].get);
    assert.match(br.paths['/api/brand/lcr'].post.requestBody.content['application/json'].schema.properties.number.pattern, /\\\+/);
    assert.ok(docs.client.paths['/api/client/clients/{id}/simulate'].post, 'client simulate (shown with billing details)');
    assert.equal(docs.client.paths['/api/client/lcr'], undefined);
    assert.equal(Object.keys(docs.user.paths).some((k) => k.endsWith('/simulate')), false, 'users see no billing');
  });

  it('serves Swagger UI from local files', async () => {
    const page = await app.inject({ method: 'GET', url: '/api/brand/docs' });
    assert.equal(page.statusCode, 200);
    assert.match(page.headers['content-type'] as string, /text\/html/);
    assert.match(page.body, /swagger-ui-bundle\.js/);
    assert.doesNotMatch(page.body, /https?:\/\//, 'nothing from the network');
    const init = await app.inject({ method: 'GET', url: '/api/brand/docs/init.js' });
    assert.match(init.body, /\/api\/brand\/openapi\.json/);
    const js = await app.inject({ method: 'GET', url: '/api/docs-assets/swagger-ui-bundle.js' });
    assert.equal(js.statusCode, 200);
    assert.ok(js.body.length > 100_000);
    const nope = await app.inject({ method: 'GET', url: '/api/docs-assets/..%2Fpackage.json' });
    assert.equal(nope.statusCode, 404);
  });
}, { fresh: 'suite', only: ['pglite'] });
