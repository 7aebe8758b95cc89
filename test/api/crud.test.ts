// CRUD per resource and level, list queries, and bad input: unknown fields, wrong types, unique keys, invalid
// URLs/CIDRs/domains, per-type client fields, delete of referenced rows. Every failure is problem+json and
// leaves nothing half-written.
import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { forEachBackend } from '../support/stores.ts';
import { buildTestApi, expectProblem, injectAs, ok, seedWorld, type World } from '../support/api.ts';

forEachBackend('API CRUD', (b) => {
  let app: FastifyInstance;
  let w: World;
  before(async () => {
    app = await buildTestApi(b.store);
    w = await seedWorld(app, b.store);
  });
  after(async () => {
    await app.close();
  });
  const auditCount = async () => ok(await injectAs(app, w.god, 'GET', '/api/platform/audit-log?pageSize=1')).total as number;

  it('brands: create with locale defaults, update, unique name, domain rules, god-only features', async () => {
    const br = ok(await injectAs(app, w.god, 'POST', '/api/platform/brands', { name: 'Brand C', tin: 'B123', maxCalls: 10, invoiceTown: 'Bilbao' }), 201);
    const eur = ok(await injectAs(app, w.god, 'GET', '/api/platform/currencies?code=EUR')).items[0];
    assert.equal(br.currencyId, eur.id);
    assert.deepEqual(br.features, []);
    assert.equal(br.domain, null);
    const upd = ok(await injectAs(app, w.god, 'PATCH', `/api/platform/brands/${br.id}`, { maxCalls: 0, features: ['retail'], domain: 'SIP.Brand-C.example.com' }));
    assert.equal(upd.domain, 'sip.brand-c.example.com');
    expectProblem(await injectAs(app, w.god, 'POST', '/api/platform/brands', { name: 'Brand C' }), 409, 'UNIQUE_VIOLATION', '/name');
    expectProblem(await injectAs(app, w.god, 'POST', '/api/platform/brands', { name: 'D', features: ['vpbx'], domain: 'sip.d.example.com' }), 400, 'VALIDATION_FAILED', '/domain');
    expectProblem(await injectAs(app, w.god, 'POST', '/api/platform/brands', { name: 'D', features: ['retail'], domain: 'not a domain' }), 400, 'VALIDATION_FAILED', '/domain');
    // SIP domains are unique across brands and clients
    expectProblem(await injectAs(app, w.god, 'POST', '/api/platform/brands', { name: 'D', features: ['retail'], domain: 'a.pbx.example.com' }), 409, 'UNIQUE_VIOLATION', '/domain');
    expectProblem(await injectAs(app, w.god, 'POST', '/api/platform/brands', { name: 'D', features: ['nope'] }), 400, 'VALIDATION_FAILED', '/features/0');
    expectProblem(await injectAs(app, w.god, 'POST', '/api/platform/brands', { name: 'D', maxCalls: -1 }), 400, 'VALIDATION_FAILED', '/maxCalls');
    expectProblem(await injectAs(app, w.god, 'POST', '/api/platform/brands', { name: 'D', logo: 'http://x/logo.png' }), 400, 'VALIDATION_FAILED', '/logo');
    // narrowing features under existing clients
    expectProblem(await injectAs(app, w.god, 'PATCH', `/api/platform/brands/${w.brandA}`, { features: ['retail'] }), 400, 'VALIDATION_FAILED', '/features');
    // brand level may read its brand, not write it
    expectProblem(await injectAs(app, w.brandTokenA, 'PATCH', `/api/brand/brands/${w.brandA}`, { name: 'x' }), 404, 'NOT_FOUND');
    ok(await injectAs(app, w.god, 'DELETE', `/api/platform/brands/${br.id}`), 204);
  });

  it('deleting a referenced row is 409 naming the referencing table; nothing is deleted', async () => {
    const before = await auditCount();
    const r = await injectAs(app, w.god, 'DELETE', `/api/platform/brands/${w.brandB}`);
    expectProblem(r, 409, 'IN_USE');
    assert.match(r.body.detail, /referenced by clients \(1 row\)/);
    const c = await injectAs(app, w.god, 'DELETE', `/api/platform/corporations/${w.corpB}`);
    expectProblem(c, 409, 'IN_USE');
    assert.match(c.body.detail, /clients/);
    ok(await injectAs(app, w.god, 'GET', `/api/platform/brands/${w.brandB}`));
    assert.equal(await auditCount(), before, 'no audit entry for a failed write');
  });

  it('clients: per-type fields and defaults (seed-part1 §1.4)', async () => {
    const post = (body: Record<string, unknown>) => injectAs(app, w.brandTokenA, 'POST', '/api/brand/clients', body);
    const res = ok(await post({ type: 'residential', name: 'Res 1' }), 201);
    assert.equal(res.domain, null);
    const resGod = ok(await injectAs(app, w.god, 'GET', `/api/platform/clients/${res.id}`));
    assert.equal(resGod.distributeMethod, 'hash');
    const retail = ok(await post({ type: 'retail', name: 'Retail 1', countryId: 1 }), 201);
    assert.equal(retail.brandId, w.brandA);
    ok(await post({ type: 'wholesale', name: 'Whole 1', maxCalls: 30, numericTransformationSetId: 4 }), 201);
    expectProblem(await post({ type: 'retail', name: 'R2', domain: 'r2.example.com' }), 400, 'VALIDATION_FAILED', '/domain');
    expectProblem(await post({ type: 'wholesale', name: 'W2', ipFilter: true }), 400, 'VALIDATION_FAILED', '/ipFilter');
    expectProblem(await post({ type: 'retail', name: 'R3', features: ['faxes'] }), 400, 'VALIDATION_FAILED', '/features');
    expectProblem(await post({ type: 'vpbx', name: 'V2' }), 400, 'VALIDATION_FAILED', '/domain');
    expectProblem(await post({ type: 'vpbx', name: 'V2', domain: 'a.pbx.example.com' }), 409, 'UNIQUE_VIOLATION', '/domain');
    expectProblem(await post({ type: 'vpbx', name: 'V2', domain: 'v2.example.com', features: ['conferences'] }), 400, 'VALIDATION_FAILED', '/features');
    expectProblem(await post({ type: 'vpbx', name: 'V2', domain: 'v2.example.com', features: ['queues', 'queues'] }), 400, 'VALIDATION_FAILED', '/features');
    expectProblem(await post({ type: 'pbx', name: 'V2' }), 400, 'VALIDATION_FAILED', '/type');
    expectProblem(await post({ name: 'V2' }), 400, 'VALIDATION_FAILED', '/type');
    expectProblem(await post({ type: 'vpbx', name: 'Client A', domain: 'v3.example.com' }), 409, 'UNIQUE_VIOLATION', '/name');
    // type is create-only
    expectProblem(await injectAs(app, w.brandTokenA, 'PATCH', `/api/brand/clients/${retail.id}`, { type: 'vpbx' }), 400, 'VALIDATION_FAILED', '/type');
    // god-only distribute method: application server only with static
    expectProblem(await injectAs(app, w.god, 'PATCH', `/api/platform/clients/${w.clientA}`, { applicationServerId: 1 }), 400, 'VALIDATION_FAILED', '/applicationServerId');
    // a brand without the type or without a SIP domain
    const bare = ok(await injectAs(app, w.god, 'POST', '/api/platform/brands', { name: 'Bare', features: ['vpbx', 'residential'] }), 201);
    expectProblem(await injectAs(app, w.god, 'POST', '/api/platform/clients', { brandId: bare.id, type: 'retail', name: 'x' }), 400, 'VALIDATION_FAILED', '/type');
    const r = await injectAs(app, w.god, 'POST', '/api/platform/clients', { brandId: bare.id, type: 'residential', name: 'x' });
    expectProblem(r, 400, 'VALIDATION_FAILED', '/type');
    assert.equal(r.body.errors[0].code, 'BRAND_DOMAIN_REQUIRED');
    // the god sets platform data
    const g = ok(await injectAs(app, w.god, 'PATCH', `/api/platform/clients/${res.id}`, { distributeMethod: 'rr' }));
    assert.equal(g.distributeMethod, 'rr');
  });

  it('administrators: write-only password, username namespaces', async () => {
    const a = ok(await injectAs(app, w.god, 'POST', '/api/platform/administrators', { username: 'ops2', password: 'password1', email: 'ops2@example.com' }), 201);
    assert.equal('password' in a, false);
    assert.equal('passwordHash' in a, false);
    assert.equal(a.level, 'platform');
    expectProblem(await injectAs(app, w.god, 'POST', '/api/platform/administrators', { username: 'ops2', password: 'password1' }), 409, 'UNIQUE_VIOLATION', '/username');
    // a platform username may repeat in a brand; brand and client admins share the brand's namespace
    ok(await injectAs(app, w.brandTokenA, 'POST', '/api/brand/administrators', { username: 'ops2', password: 'password1' }), 201);
    expectProblem(await injectAs(app, w.brandTokenA, 'POST', '/api/brand/administrators', { username: 'cla', password: 'password1' }), 409, 'UNIQUE_VIOLATION', '/username');
    expectProblem(await injectAs(app, w.brandTokenA, 'POST', '/api/brand/administrators', { clientId: w.clientA, username: 'opa', password: 'password1' }), 409, 'UNIQUE_VIOLATION', '/username');
    ok(await injectAs(app, w.brandTokenB, 'POST', '/api/brand/administrators', { username: 'cla', password: 'password1' }), 201);
    expectProblem(await injectAs(app, w.god, 'POST', '/api/platform/administrators', { username: 'x y', password: 'short' }), 400, 'VALIDATION_FAILED', '/password');
    expectProblem(await injectAs(app, w.god, 'POST', '/api/platform/administrators', { username: 'xy', password: 'password1', email: 'nope' }), 400, 'VALIDATION_FAILED', '/email');
    expectProblem(await injectAs(app, w.god, 'POST', '/api/platform/administrators', { brandId: w.brandB, clientId: w.clientA, username: 'mix', password: 'password1' }), 400, 'VALIDATION_FAILED', '/clientId');
    // updating the password changes the login
    ok(await injectAs(app, w.god, 'PATCH', `/api/platform/administrators/${a.id}`, { password: 'password2' }));
    ok(await injectAs(app, null, 'POST', '/api/platform/auth/login', { username: 'ops2', password: 'password2' }));
    expectProblem(await injectAs(app, w.god, 'DELETE', `/api/platform/administrators/${(await injectAs(app, w.god, 'GET', '/api/platform/administrators?username=admin')).body.items[0].id}`), 409, 'CONFLICT');
    ok(await injectAs(app, w.god, 'DELETE', `/api/platform/administrators/${a.id}`), 204);
  });

  it('portal URLs: HTTPS only, no trailing slash, unique; brands manage client/user portals', async () => {
    const post = (tok: string, lvl: string, body: Record<string, unknown>) => injectAs(app, tok, 'POST', `/api/${lvl}/portal-urls`, body);
    ok(await post(w.god, 'platform', { kind: 'platform', url: 'https://god.example.com', theme: 'dark' }), 201);
    let r = await post(w.god, 'platform', { kind: 'platform', url: 'http://god2.example.com' });
    expectProblem(r, 400, 'VALIDATION_FAILED', '/url');
    assert.equal(r.body.errors[0].code, 'NOT_HTTPS');
    r = await post(w.god, 'platform', { kind: 'platform', url: 'https://god2.example.com/' });
    assert.equal(r.body.errors[0].code, 'TRAILING_SLASH');
    expectProblem(await post(w.god, 'platform', { kind: 'platform', url: 'https://God.example.com' }), 409, 'UNIQUE_VIOLATION', '/url');
    expectProblem(await post(w.god, 'platform', { kind: 'platform', brandId: w.brandA, url: 'https://x.example.com' }), 400, 'VALIDATION_FAILED', '/brandId');
    expectProblem(await post(w.god, 'platform', { kind: 'brand', url: 'https://x.example.com' }), 400, 'VALIDATION_FAILED', '/brandId');
    const cp = ok(await post(w.brandTokenA, 'brand', { kind: 'client', clientId: w.clientA, url: 'https://pbx.brand-a.example.com', title: 'Client A portal' }), 201);
    assert.equal(cp.brandId, w.brandA);
    ok(await post(w.brandTokenA, 'brand', { kind: 'user', url: 'https://users.brand-a.example.com' }), 201);
    expectProblem(await post(w.brandTokenA, 'brand', { kind: 'brand', url: 'https://mine.brand-a.example.com' }), 400, 'VALIDATION_FAILED', '/kind');
    expectProblem(await post(w.brandTokenA, 'brand', { kind: 'client', clientId: w.clientB, url: 'https://steal.example.com' }), 404, 'REFERENCE_NOT_FOUND', '/clientId');
    const brandPortal = ok(await post(w.god, 'platform', { kind: 'brand', brandId: w.brandA, url: 'https://brand-a.example.com' }), 201);
    expectProblem(await injectAs(app, w.brandTokenA, 'DELETE', `/api/brand/portal-urls/${brandPortal.id}`), 403, 'FORBIDDEN');
    const mine = ok(await injectAs(app, w.brandTokenA, 'GET', '/api/brand/portal-urls'));
    assert.ok(mine.items.every((p: { brandId: number }) => p.brandId === w.brandA));
    assert.equal(mine.total, 3);
  });

  it('authorized sources and corporations', async () => {
    ok(await injectAs(app, w.brandTokenA, 'POST', '/api/brand/authorized-sources', { clientId: w.clientA, ip: '2001:DB8::/32', description: 'v6' }), 201);
    for (const ip of ['300.1.1.1', '10.0.0.0/33', 'example.com', '10.0.0.1/']) {
      expectProblem(await injectAs(app, w.brandTokenA, 'POST', '/api/brand/authorized-sources', { clientId: w.clientA, ip }), 400, 'VALIDATION_FAILED', '/ip');
    }
    expectProblem(await injectAs(app, w.brandTokenA, 'POST', '/api/brand/authorized-sources', { clientId: w.clientA, ip: '2001:db8::/32' }), 409, 'UNIQUE_VIOLATION', '/ip');
    const list = ok(await injectAs(app, w.clientTokenA, 'GET', '/api/client/authorized-sources?ip[like]=2001'));
    assert.equal(list.total, 1);
    assert.equal(list.items[0].ip, '2001:db8::/32');
    expectProblem(await injectAs(app, w.clientTokenA, 'POST', '/api/client/authorized-sources', { ip: '10.1.1.1' }), 404, 'NOT_FOUND');
    const corp = ok(await injectAs(app, w.brandTokenA, 'POST', '/api/brand/corporations', { name: 'Group', description: 'd' }), 201);
    assert.equal(corp.brandId, w.brandA);
    ok(await injectAs(app, w.brandTokenA, 'PUT', `/api/brand/corporations/${corp.id}`, { description: 'e' }));
    ok(await injectAs(app, w.brandTokenA, 'DELETE', `/api/brand/corporations/${corp.id}`), 204);
    expectProblem(await injectAs(app, w.brandTokenA, 'GET', `/api/brand/corporations/${corp.id}`), 404, 'NOT_FOUND');
  });

  it('lists: pagination, total, ordering, filters; bad queries are 400', async () => {
    for (const n of ['Alpha', 'beta', 'Gamma', 'delta']) ok(await injectAs(app, w.brandTokenB, 'POST', '/api/brand/corporations', { name: `Q ${n}` }), 201);
    const p1 = ok(await injectAs(app, w.brandTokenB, 'GET', '/api/brand/corporations?name[like]=q %&order=-name&pageSize=2'));
    assert.equal(p1.total, 0, 'like escapes %');
    const all = ok(await injectAs(app, w.brandTokenB, 'GET', '/api/brand/corporations?name[like]=q &order=-name&pageSize=2&page=2'));
    assert.equal(all.total, 4);
    assert.equal(all.page, 2);
    assert.equal(all.pageSize, 2);
    const first = ok(await injectAs(app, w.brandTokenB, 'GET', '/api/brand/corporations?name[like]=q &order=-name&pageSize=2&page=1'));
    const paged = [...first.items, ...all.items].map((c: { name: string }) => c.name);
    assert.equal(new Set(paged).size, 4, 'two pages cover the four rows without overlap');
    const third = ok(await injectAs(app, w.brandTokenB, 'GET', '/api/brand/corporations?name[like]=q &pageSize=2&page=3'));
    assert.deepEqual(third.items, []);
    assert.equal(third.total, 4);
    const ordered = ok(await injectAs(app, w.brandTokenB, 'GET', '/api/brand/corporations?name[like]=Q &order=name'));
    const names = ordered.items.map((c: { name: string }) => c.name);
    assert.equal(names.length, 4);
    const desc = ok(await injectAs(app, w.brandTokenB, 'GET', '/api/brand/corporations?name[like]=Q &order=-name'));
    assert.deepEqual(desc.items.map((c: { name: string }) => c.name), [...names].reverse(), 'descending is the reverse');
    const inList = ok(await injectAs(app, w.brandTokenB, 'GET', `/api/brand/corporations?name[in]=${encodeURIComponent('Q beta,Q delta')}`));
    assert.equal(inList.total, 2);
    const ranged = ok(await injectAs(app, w.god, 'GET', `/api/platform/clients?maxCalls[gte]=0&maxCalls[lt]=1&brandId=${w.brandB}`));
    assert.equal(ranged.total, 1);
    const nulls = ok(await injectAs(app, w.god, 'GET', `/api/platform/clients?corporationId[null]=false&brandId=${w.brandB}`));
    assert.equal(nulls.total, 1);
    const feat = ok(await injectAs(app, w.god, 'GET', '/api/platform/brands?features=wholesale'));
    assert.ok(feat.total >= 2);
    expectProblem(await injectAs(app, w.god, 'GET', '/api/platform/clients?pageSize=501'), 400, 'BAD_QUERY', '/query/pageSize');
    expectProblem(await injectAs(app, w.god, 'GET', '/api/platform/clients?page=0'), 400, 'BAD_QUERY', '/query/page');
    expectProblem(await injectAs(app, w.god, 'GET', '/api/platform/clients?order=email'), 400, 'BAD_QUERY', '/query/order');
    expectProblem(await injectAs(app, w.god, 'GET', '/api/platform/clients?maxCalls=abc'), 400, 'BAD_QUERY', '/query/maxCalls');
    expectProblem(await injectAs(app, w.god, 'GET', '/api/platform/clients?nope=1'), 400, 'BAD_QUERY', '/query/nope');
    expectProblem(await injectAs(app, w.god, 'GET', '/api/platform/administrators?password=x'), 400, 'BAD_QUERY', '/query/password');
  });

  it('reference data at every level; malformed requests are problem+json', async () => {
    for (const lvl of ['brand', 'client'] as const) {
      const tok = lvl === 'brand' ? w.brandTokenA : w.clientTokenA;
      const es = ok(await injectAs(app, tok, 'GET', `/api/${lvl}/countries?code=ES`));
      assert.equal(es.items[0].callingCode, '+34');
    }
    ok(await injectAs(app, w.god, 'GET', '/api/platform/timezones?name=Europe%2FMadrid'));
    expectProblem(await injectAs(app, w.god, 'POST', '/api/platform/countries', { code: 'XX' }), 404, 'NOT_FOUND');
    const bad = await app.inject({ method: 'POST', url: '/api/platform/brands', headers: { authorization: `Bearer ${w.god}`, 'content-type': 'application/json' }, payload: '{"name":' });
    assert.equal(bad.statusCode, 400);
    assert.equal(JSON.parse(bad.body).code, 'BAD_JSON');
    expectProblem(await injectAs(app, w.god, 'POST', '/api/platform/brands', [1]), 400, 'VALIDATION_FAILED');
    expectProblem(await injectAs(app, w.god, 'GET', '/api/platform/brands/abc'), 404, 'NOT_FOUND');
    expectProblem(await injectAs(app, w.god, 'GET', '/api/platform/brands/999999'), 404, 'NOT_FOUND');
  });
}, { fresh: 'suite' });
