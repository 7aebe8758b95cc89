// Platform infrastructure through the API (app.inject), on PGlite and PostgreSQL: proxy addresses and the brand
// assignment rules, media relays, application servers, services copy-on-create, notification template refs,
// the SIP domains view, and that none of it is reachable below the platform level.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { forEachBackend, type Backend } from '../support/stores.ts';
import { buildTestApi, seedPlatformAdmin, login, injectAs, expectProblem, ok } from '../support/api.ts';
import { ASSIGNMENT_USERS } from '../../src/api/resources/brand-proxy-trunks.ts';

interface Ctx {
  app: FastifyInstance;
  god: string;
  as(token: string | null, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown): ReturnType<typeof injectAs>;
}

async function setUp(b: Backend): Promise<Ctx> {
  const app = await buildTestApi(b.store);
  await seedPlatformAdmin(b.store);
  const god = await login(app, 'platform', 'admin', 'changeme');
  return { app, god, as: (token, method, url, body) => injectAs(app, token, method, url, body) };
}

const P = '/api/platform';

async function newBrand(c: Ctx, body: Record<string, unknown> = {}): Promise<{ id: number; proxyTrunkIds: number[] }> {
  return ok(await c.as(c.god, 'POST', `${P}/brands`, { name: `Brand ${Math.random().toString(36).slice(2, 8)}`, features: ['vpbx', 'retail'], ...body }), 201);
}

async function brandOperator(c: Ctx, brandId: number, username: string): Promise<string> {
  ok(await c.as(c.god, 'POST', `${P}/administrators`, { brandId, username, password: 'operator-pw-1' }), 201);
  return login(c.app, 'brand', username, 'operator-pw-1', { brandId });
}

forEachBackend('infrastructure API', (b) => {
  it('users proxy: one row, editable by the platform only, validated', async () => {
    const c = await setUp(b);
    const list = ok(await c.as(c.god, 'GET', `${P}/proxy-users`));
    assert.equal(list.total, 1);
    const id = list.items[0].id;
    assert.equal(ok(await c.as(c.god, 'PATCH', `${P}/proxy-users/${id}`, { ip: '203.0.113.5' })).ip, '203.0.113.5');
    assert.equal(ok(await c.as(c.god, 'PATCH', `${P}/proxy-users/${id}`, { ip: 'users.example.com' })).ip, 'users.example.com');
    expectProblem(await c.as(c.god, 'PATCH', `${P}/proxy-users/${id}`, { ip: 'not an address' }), 400, 'VALIDATION_FAILED', '/ip');
    assert.notEqual((await c.as(c.god, 'POST', `${P}/proxy-users`, { name: 'x', ip: '192.0.2.1' })).status, 201);
    assert.notEqual((await c.as(c.god, 'DELETE', `${P}/proxy-users/${id}`)).status, 204);
    await c.app.close();
  });

  it('proxy trunks: main address editable, never removable; assigned addresses not removable', async () => {
    const c = await setUp(b);
    const [main] = ok(await c.as(c.god, 'GET', `${P}/proxy-trunks`)).items;
    assert.deepEqual([main.name, main.isMain], ['proxytrunks', true]);
    assert.equal(ok(await c.as(c.god, 'PATCH', `${P}/proxy-trunks/${main.id}`, { ip: '192.0.2.50' })).ip, '192.0.2.50');
    expectProblem(await c.as(c.god, 'DELETE', `${P}/proxy-trunks/${main.id}`), 409, 'CONFLICT', '/id');
    expectProblem(await c.as(c.god, 'PATCH', `${P}/proxy-trunks/${main.id}`, { isMain: false }), 400, 'VALIDATION_FAILED');

    expectProblem(await c.as(c.god, 'POST', `${P}/proxy-trunks`, { name: 'extra', ip: 'trunks.example.com' }), 400, 'VALIDATION_FAILED', '/ip');
    const extra = ok(await c.as(c.god, 'POST', `${P}/proxy-trunks`, { name: 'extra', ip: '2001:db8::7' }), 201);
    assert.equal(extra.isMain, false);
    expectProblem(await c.as(c.god, 'POST', `${P}/proxy-trunks`, { name: 'extra2', ip: '2001:db8::7' }), 409, 'UNIQUE_VIOLATION', '/ip');

    const brand = await newBrand(c, { proxyTrunkIds: [extra.id] });
    assert.deepEqual(brand.proxyTrunkIds, [extra.id]);
    const busy = await c.as(c.god, 'DELETE', `${P}/proxy-trunks/${extra.id}`);
    expectProblem(busy, 409, 'CONFLICT', '/id');
    assert.equal(busy.body.errors[0].code, 'ADDRESS_ASSIGNED');
    ok(await c.as(c.god, 'PATCH', `${P}/brands/${brand.id}`, { proxyTrunkIds: [main.id] }));
    assert.equal((await c.as(c.god, 'DELETE', `${P}/proxy-trunks/${extra.id}`)).status, 204);
    await c.app.close();
  });

  it('brand addresses: default main, at least one, shared between brands, replace as a set', async () => {
    const c = await setUp(b);
    const [main] = ok(await c.as(c.god, 'GET', `${P}/proxy-trunks`)).items;
    const second = ok(await c.as(c.god, 'POST', `${P}/proxy-trunks`, { name: 'second', ip: '192.0.2.60' }), 201);

    const a = await newBrand(c);
    assert.deepEqual(a.proxyTrunkIds, [main.id], 'no list: the main proxytrunks address');
    const bb = await newBrand(c, { proxyTrunkIds: [main.id, second.id] });
    assert.deepEqual(bb.proxyTrunkIds, [main.id, second.id], 'an address may serve several brands');

    expectProblem(await c.as(c.god, 'POST', `${P}/brands`, { name: 'Nope', proxyTrunkIds: [] }), 400, 'VALIDATION_FAILED', '/proxyTrunkIds');
    expectProblem(await c.as(c.god, 'POST', `${P}/brands`, { name: 'Nope', proxyTrunkIds: [9999] }), 400, 'VALIDATION_FAILED', '/proxyTrunkIds/0');
    assert.equal(ok(await c.as(c.god, 'GET', `${P}/brands?name=Nope`)).total, 0, 'nothing half-written');

    // The m2m resource: last assignment of a brand cannot go; others can.
    const links = ok(await c.as(c.god, 'GET', `${P}/brand-proxy-trunks?brandId=${a.id}`)).items;
    assert.equal(links.length, 1);
    const last = await c.as(c.god, 'DELETE', `${P}/brand-proxy-trunks/${links[0].id}`);
    expectProblem(last, 409, 'CONFLICT');
    assert.equal(last.body.errors[0].code, 'LAST_ADDRESS');
    const added = ok(await c.as(c.god, 'POST', `${P}/brand-proxy-trunks`, { brandId: a.id, proxyTrunkId: second.id }), 201);
    expectProblem(await c.as(c.god, 'POST', `${P}/brand-proxy-trunks`, { brandId: a.id, proxyTrunkId: second.id }), 409, 'UNIQUE_VIOLATION');
    assert.equal((await c.as(c.god, 'DELETE', `${P}/brand-proxy-trunks/${links[0].id}`)).status, 204);
    assert.deepEqual(ok(await c.as(c.god, 'GET', `${P}/brands/${a.id}`)).proxyTrunkIds, [second.id]);

    // Brand operators read their own assignments only and cannot change them.
    const op = await brandOperator(c, a.id, 'ops-a');
    const seen = ok(await c.as(op, 'GET', '/api/brand/brand-proxy-trunks')).items;
    assert.deepEqual(seen.map((l: { id: number }) => l.id), [added.id]);
    assert.notEqual((await c.as(op, 'POST', '/api/brand/brand-proxy-trunks', { brandId: a.id, proxyTrunkId: main.id })).status, 201);
    const other = ok(await c.as(c.god, 'GET', `${P}/brand-proxy-trunks?brandId=${bb.id}`)).items[0];
    expectProblem(await c.as(op, 'GET', `/api/brand/brand-proxy-trunks/${other.id}`), 404, 'NOT_FOUND');
    assert.equal((await c.as(op, 'GET', '/api/brand/proxy-trunks')).status, 404, 'addresses themselves are platform-only');
    await c.app.close();
  });

  it('an address used by a carrier of the brand cannot be unassigned (hook for carriers)', async () => {
    const c = await setUp(b);
    const [main] = ok(await c.as(c.god, 'GET', `${P}/proxy-trunks`)).items;
    const second = ok(await c.as(c.god, 'POST', `${P}/proxy-trunks`, { name: 'second', ip: '192.0.2.61' }), 201);
    const brand = await newBrand(c, { proxyTrunkIds: [main.id, second.id] });
    // What the carriers migration is asked to declare: a composite FK to the assignment.
    await sql`create table test_carriers (id serial primary key, brand_id integer not null, proxy_trunk_id integer not null,
      foreign key (brand_id, proxy_trunk_id) references brand_proxy_trunks (brand_id, proxy_trunk_id))`.execute(b.store.db);
    await sql`insert into test_carriers (brand_id, proxy_trunk_id) values (${brand.id}, ${second.id})`.execute(b.store.db);
    ASSIGNMENT_USERS.push({ table: 'testCarriers', label: 'carriers' });
    try {
      const r = await c.as(c.god, 'PATCH', `${P}/brands/${brand.id}`, { proxyTrunkIds: [main.id] });
      expectProblem(r, 409, 'CONFLICT', '/proxyTrunkIds');
      assert.match(r.body.errors[0].message, /carriers \(1\)/);
      const link = ok(await c.as(c.god, 'GET', `${P}/brand-proxy-trunks?brandId=${brand.id}&proxyTrunkId=${second.id}`)).items[0];
      const d = await c.as(c.god, 'DELETE', `${P}/brand-proxy-trunks/${link.id}`);
      expectProblem(d, 409, 'CONFLICT');
      assert.equal(d.body.errors[0].code, 'ADDRESS_IN_USE');
    } finally {
      ASSIGNMENT_USERS.pop();
    }
    // Without the check the FK still refuses (the SQL backstop).
    const link = ok(await c.as(c.god, 'GET', `${P}/brand-proxy-trunks?brandId=${brand.id}&proxyTrunkId=${second.id}`)).items[0];
    expectProblem(await c.as(c.god, 'DELETE', `${P}/brand-proxy-trunks/${link.id}`), 409, 'IN_USE');
    assert.deepEqual(ok(await c.as(c.god, 'GET', `${P}/brands/${brand.id}`)).proxyTrunkIds, [main.id, second.id]);
    await c.app.close();
  });

  it('media relay sets and relays: default set kept, sockets and metrics validated, in-use sets kept', async () => {
    const c = await setUp(b);
    const sets = ok(await c.as(c.god, 'GET', `${P}/media-relay-sets`)).items;
    assert.deepEqual(sets.map((s: { id: number; name: string }) => [s.id, s.name]), [[0, 'default']]);
    // Set 0 is addressable by id: readable, editable, and never removable (409 DEFAULT_SET from the hook).
    assert.equal(ok(await c.as(c.god, 'GET', `${P}/media-relay-sets/0`)).name, 'default');
    assert.equal(ok(await c.as(c.god, 'PATCH', `${P}/media-relay-sets/0`, { description: 'builtin engine' })).description, 'builtin engine');
    const del0 = await c.as(c.god, 'DELETE', `${P}/media-relay-sets/0`);
    expectProblem(del0, 409, 'CONFLICT', '/id');
    assert.equal(del0.body.errors[0].code, 'DEFAULT_SET');
    assert.equal(ok(await c.as(c.god, 'GET', `${P}/media-relay-sets?name=default`)).total, 1);
    for (const bad of ['00', '-1', '01', '1e3']) {
      expectProblem(await c.as(c.god, 'GET', `${P}/media-relay-sets/${bad}`), 404, 'NOT_FOUND');
    }

    const set = ok(await c.as(c.god, 'POST', `${P}/media-relay-sets`, { name: 'eu', description: 'EU relays' }), 201);
    const r1 = ok(await c.as(c.god, 'POST', `${P}/media-relays`, { mediaRelaySetId: set.id, name: 'rtp1', address: 'udp:10.0.0.5:2223', metric: 2 }), 201);
    assert.equal(r1.metric, 2);
    const r2 = ok(await c.as(c.god, 'POST', `${P}/media-relays`, { mediaRelaySetId: set.id, name: 'rtp2', address: 'rtp2.example.com:2223' }), 201);
    assert.equal(r2.metric, 1, 'metric defaults to 1');
    ok(await c.as(c.god, 'POST', `${P}/media-relays`, { mediaRelaySetId: set.id, name: 'rtp3', address: 'udp:[2001:db8::5]:2223' }), 201);
    for (const address of ['10.0.0.5', 'udp:10.0.0.5:99999', 'tcp:10.0.0.5:2223', 'udp::2223']) {
      expectProblem(await c.as(c.god, 'POST', `${P}/media-relays`, { mediaRelaySetId: set.id, name: 'bad', address }), 400, 'VALIDATION_FAILED', '/address');
    }
    expectProblem(await c.as(c.god, 'POST', `${P}/media-relays`, { mediaRelaySetId: set.id, name: 'bad', address: '10.0.0.9:2223', metric: 0 }), 400, 'VALIDATION_FAILED', '/metric');
    expectProblem(await c.as(c.god, 'POST', `${P}/media-relays`, { mediaRelaySetId: 77, name: 'bad', address: '10.0.0.9:2223' }), 404, 'REFERENCE_NOT_FOUND');
    expectProblem(await c.as(c.god, 'POST', `${P}/media-relays`, { mediaRelaySetId: 0, name: 'dup', address: 'udp:10.0.0.5:2223' }), 409, 'UNIQUE_VIOLATION', '/address');

    // A set used by a client stays; an unused one goes with its relays.
    const brand = await newBrand(c);
    ok(await c.as(c.god, 'POST', `${P}/clients`, { brandId: brand.id, type: 'vpbx', name: 'R', domain: 'r.example.com', mediaRelaySetId: set.id }), 201);
    const onDefault = ok(await c.as(c.god, 'POST', `${P}/clients`, { brandId: brand.id, type: 'vpbx', name: 'R0', domain: 'r0.example.com', mediaRelaySetId: 0 }), 201);
    assert.equal(onDefault.mediaRelaySetId, 0, 'set 0 is a valid reference');
    expectProblem(await c.as(c.god, 'DELETE', `${P}/media-relay-sets/${set.id}`), 409, 'IN_USE');
    const spare = ok(await c.as(c.god, 'POST', `${P}/media-relay-sets`, { name: 'spare' }), 201);
    ok(await c.as(c.god, 'POST', `${P}/media-relays`, { mediaRelaySetId: spare.id, name: 'rtp9', address: '10.0.0.99:2223' }), 201);
    assert.equal((await c.as(c.god, 'DELETE', `${P}/media-relay-sets/${spare.id}`)).status, 204);
    assert.equal(ok(await c.as(c.god, 'GET', `${P}/media-relays?name=rtp9`)).total, 0);
    await c.app.close();
  });

  it('application servers: seeded local one, IP validated, a pinned server stays', async () => {
    const c = await setUp(b);
    const [as1] = ok(await c.as(c.god, 'GET', `${P}/application-servers`)).items;
    assert.equal(as1.ip, '127.0.0.1');
    expectProblem(await c.as(c.god, 'POST', `${P}/application-servers`, { name: 'as2', ip: 'as2.local' }), 400, 'VALIDATION_FAILED', '/ip');
    const as2 = ok(await c.as(c.god, 'POST', `${P}/application-servers`, { name: 'as2', ip: '10.0.0.20' }), 201);
    const brand = await newBrand(c);
    ok(await c.as(c.god, 'POST', `${P}/clients`, {
      brandId: brand.id, type: 'vpbx', name: 'Pinned', domain: 'pinned.example.com', distributeMethod: 'static', applicationServerId: as2.id,
    }), 201);
    expectProblem(await c.as(c.god, 'DELETE', `${P}/application-servers/${as2.id}`), 409, 'IN_USE');
    assert.equal((await c.as(c.god, 'DELETE', `${P}/application-servers/${as1.id}`)).status, 204);
    await c.app.close();
  });

  it('services: copied to new brands and clients in the create transaction; later changes affect only new ones', async () => {
    const c = await setUp(b);
    const catalogue = ok(await c.as(c.god, 'GET', `${P}/services?pageSize=100`)).items;
    assert.equal(catalogue.length, 11);
    const pickup = catalogue.find((s: { iden: string }) => s.iden === 'directPickup');
    assert.equal(pickup.defaultCode, '*95');
    const brandOnly = catalogue.filter((s: { brandOnly: boolean }) => s.brandOnly);
    assert.equal(brandOnly.length, 4);

    const a = await newBrand(c);
    const aServices = ok(await c.as(c.god, 'GET', `${P}/brand-services?brandId=${a.id}&pageSize=100`)).items;
    assert.equal(aServices.length, 11);
    ok(await c.as(c.god, 'PATCH', `${P}/services/${pickup.id}`, { defaultCode: '*96' }));
    expectProblem(await c.as(c.god, 'PATCH', `${P}/services/${pickup.id}`, { defaultCode: '*123456' }), 400, 'VALIDATION_FAILED', '/defaultCode');
    expectProblem(await c.as(c.god, 'PATCH', `${P}/services/${pickup.id}`, { name: 'x' }), 400, 'VALIDATION_FAILED');
    const b2 = await newBrand(c);
    const code = async (url: string) => ok(await c.as(c.god, 'GET', url)).items[0]?.code;
    assert.equal(await code(`${P}/brand-services?brandId=${a.id}&serviceId=${pickup.id}`), '*95', 'existing brand unchanged');
    assert.equal(await code(`${P}/brand-services?brandId=${b2.id}&serviceId=${pickup.id}`), '*96', 'new brand gets the new default');

    // The brand operator edits its generic services; new clients get them, minus the brand-only call forwards.
    const op = await brandOperator(c, a.id, 'ops-a');
    const mine = ok(await c.as(op, 'GET', `/api/brand/brand-services?serviceId=${pickup.id}`)).items[0];
    ok(await c.as(op, 'PATCH', `/api/brand/brand-services/${mine.id}`, { code: '*3' }));
    const dup = aServices.find((s: { serviceId: number }) => s.serviceId !== pickup.id);
    expectProblem(await c.as(op, 'PATCH', `/api/brand/brand-services/${dup.id}`, { code: '*3' }), 409, 'UNIQUE_VIOLATION', '/code');
    expectProblem(await c.as(op, 'PATCH', `/api/brand/brand-services/${dup.id}`, { code: 'ab' }), 400, 'VALIDATION_FAILED', '/code');
    const client = ok(await c.as(op, 'POST', '/api/brand/clients', { type: 'vpbx', name: 'C1', domain: 'c1.example.com' }), 201);
    const cs = ok(await c.as(op, 'GET', `/api/brand/client-services?clientId=${client.id}&pageSize=100`)).items;
    assert.equal(cs.length, 7);
    assert.equal(cs.find((s: { serviceId: number }) => s.serviceId === pickup.id).code, '*3');
    expectProblem(await c.as(op, 'POST', '/api/brand/client-services', { clientId: client.id, serviceId: brandOnly[0].id, code: '*71' }), 400, 'VALIDATION_FAILED', '/serviceId');

    // Client admins manage their own codes; deleted services are gone for the client only.
    ok(await c.as(c.god, 'POST', `${P}/administrators`, { clientId: client.id, username: 'c1-admin', password: 'client-pw-1' }), 201);
    const ca = await login(c.app, 'client', 'c1-admin', 'client-pw-1', { brandId: a.id });
    const own = ok(await c.as(ca, 'GET', '/api/client/client-services?pageSize=100')).items;
    assert.equal(own.length, 7);
    assert.equal((await c.as(ca, 'DELETE', `/api/client/client-services/${own[0].id}`)).status, 204);
    assert.equal(ok(await c.as(ca, 'GET', '/api/client/client-services')).total, 6);
    assert.equal(ok(await c.as(op, 'GET', `/api/brand/brand-services?pageSize=100`)).total, 11);

    // Cross-tenant: brand b2's operator sees none of brand a's rows.
    const op2 = await brandOperator(c, b2.id, 'ops-b');
    expectProblem(await c.as(op2, 'GET', `/api/brand/brand-services/${mine.id}`), 404, 'NOT_FOUND');
    expectProblem(await c.as(op2, 'GET', `/api/brand/client-services/${own[1].id}`), 404, 'NOT_FOUND');
    expectProblem(await c.as(op2, 'PATCH', `/api/brand/brand-services/${mine.id}`, { code: '*4' }), 404, 'NOT_FOUND');
    expectProblem(await c.as(op2, 'POST', '/api/brand/client-services', { clientId: client.id, serviceId: pickup.id, code: '*4' }), 404, 'REFERENCE_NOT_FOUND');
    assert.equal(ok(await c.as(op2, 'GET', '/api/brand/client-services')).total, 0);
    await c.app.close();
  });

  it('notification templates: platform defaults, type-checked brand and client references', async () => {
    const c = await setUp(b);
    const defaults = ok(await c.as(c.god, 'GET', `${P}/notification-templates?pageSize=100`)).items;
    assert.deepEqual(defaults.map((t: { type: string }) => t.type).sort(), ['callcsv', 'fax', 'invoice', 'lowbalance', 'maxdailyusage', 'voicemail']);
    const byType = (t: string) => defaults.find((d: { type: string }) => d.type === t).id as number;

    const brand = await newBrand(c, { voicemailNotificationTemplateId: byType('voicemail') });
    expectProblem(await c.as(c.god, 'PATCH', `${P}/brands/${brand.id}`, { faxNotificationTemplateId: byType('voicemail') }), 400, 'VALIDATION_FAILED', '/faxNotificationTemplateId');
    const own = ok(await c.as(c.god, 'POST', `${P}/notification-templates`, { brandId: brand.id, name: 'Our fax', type: 'fax' }), 201);
    ok(await c.as(c.god, 'PATCH', `${P}/brands/${brand.id}`, { faxNotificationTemplateId: own.id }));
    const other = await newBrand(c);
    expectProblem(await c.as(c.god, 'PATCH', `${P}/brands/${other.id}`, { faxNotificationTemplateId: own.id }), 400, 'VALIDATION_FAILED', '/faxNotificationTemplateId');
    expectProblem(await c.as(c.god, 'POST', `${P}/clients`, { brandId: other.id, type: 'vpbx', name: 'X', domain: 'x.example.com', faxNotificationTemplateId: own.id }), 400, 'VALIDATION_FAILED', '/faxNotificationTemplateId');
    expectProblem(await c.as(c.god, 'DELETE', `${P}/notification-templates/${own.id}`), 409, 'IN_USE');
    expectProblem(await c.as(c.god, 'POST', `${P}/notification-templates`, { brandId: brand.id, name: 'Our fax', type: 'fax' }), 409, 'UNIQUE_VIOLATION');
    expectProblem(await c.as(c.god, 'POST', `${P}/notification-templates`, { name: 'x', type: 'sms' }), 400, 'VALIDATION_FAILED', '/type');

    // Brand operators manage their own templates, see the platform defaults read-only, never other brands' rows.
    const op = await brandOperator(c, other.id, 'ops-o');
    const mine = ok(await c.as(op, 'POST', '/api/brand/notification-templates', { name: 'Mine', type: 'invoice' }), 201);
    assert.equal(mine.brandId, other.id);
    const seen = ok(await c.as(op, 'GET', '/api/brand/notification-templates?pageSize=100')).items.map((t: { id: number }) => t.id);
    assert.deepEqual(seen.sort((x: number, y: number) => x - y), [...defaults.map((d: { id: number }) => d.id), mine.id].sort((x, y) => x - y));
    assert.equal(ok(await c.as(op, 'GET', '/api/brand/notification-templates?brandId[null]=true&pageSize=100')).total, defaults.length);
    assert.equal(ok(await c.as(op, 'GET', `/api/brand/notification-templates/${byType('fax')}`)).brandId, null);
    expectProblem(await c.as(op, 'GET', `/api/brand/notification-templates/${own.id}`), 404, 'NOT_FOUND');
    expectProblem(await c.as(op, 'PATCH', `/api/brand/notification-templates/${own.id}`, { name: 'stolen' }), 404, 'NOT_FOUND');
    expectProblem(await c.as(op, 'PATCH', `/api/brand/notification-templates/${byType('fax')}`, { name: 'mine now' }), 403, 'SHARED_READ_ONLY');
    expectProblem(await c.as(op, 'DELETE', `/api/brand/notification-templates/${byType('fax')}`), 403, 'SHARED_READ_ONLY');
    assert.equal(ok(await c.as(c.god, 'GET', `${P}/notification-templates/${byType('fax')}`)).name, defaults.find((d: { type: string }) => d.type === 'fax').name);
    // A brand admin may point its clients at a platform default or its own template, not at another brand's.
    const cl = ok(await c.as(op, 'POST', '/api/brand/clients', { type: 'vpbx', name: 'T', domain: 't.example.com', faxNotificationTemplateId: byType('fax') }), 201);
    assert.equal(cl.faxNotificationTemplateId, byType('fax'));
    assert.equal(ok(await c.as(op, 'PATCH', `/api/brand/clients/${cl.id}`, { invoiceNotificationTemplateId: mine.id })).invoiceNotificationTemplateId, mine.id);
    assert.equal(ok(await c.as(op, 'PATCH', `/api/brand/clients/${cl.id}`, { voicemailNotificationTemplateId: byType('voicemail') })).voicemailNotificationTemplateId, byType('voicemail'));
    expectProblem(await c.as(op, 'PATCH', `/api/brand/clients/${cl.id}`, { faxNotificationTemplateId: own.id }), 404, 'REFERENCE_NOT_FOUND', '/faxNotificationTemplateId');
    expectProblem(await c.as(op, 'PATCH', `/api/brand/clients/${cl.id}`, { invoiceNotificationTemplateId: own.id }), 404, 'REFERENCE_NOT_FOUND', '/invoiceNotificationTemplateId');
    expectProblem(await c.as(op, 'PATCH', `/api/brand/clients/${cl.id}`, { faxNotificationTemplateId: byType('voicemail') }), 400, 'VALIDATION_FAILED', '/faxNotificationTemplateId');
    // A shared row still cannot go while referenced, and the platform can still edit it.
    ok(await c.as(c.god, 'PATCH', `${P}/notification-templates/${byType('fax')}`, { name: 'Default fax (edited)' }));
    expectProblem(await c.as(c.god, 'DELETE', `${P}/notification-templates/${byType('fax')}`), 409, 'IN_USE');
    await c.app.close();
  });

  it('SIP domains view: brand and vPBX client domains, nothing else', async () => {
    const c = await setUp(b);
    const brand = await newBrand(c, { domain: 'sip.brand.example.com', features: ['vpbx', 'retail', 'residential'] });
    const v = ok(await c.as(c.god, 'POST', `${P}/clients`, { brandId: brand.id, type: 'vpbx', name: 'V', domain: 'v.example.com' }), 201);
    ok(await c.as(c.god, 'POST', `${P}/clients`, { brandId: brand.id, type: 'retail', name: 'R' }), 201);
    const list = ok(await c.as(c.god, 'GET', `${P}/sip-domains`)).items;
    assert.deepEqual(list.map((d: { domain: string; brandId: number; clientId: number | null }) => [d.domain, d.brandId, d.clientId]), [
      ['sip.brand.example.com', brand.id, null],
      ['v.example.com', brand.id, v.id],
    ]);
    const one = ok(await c.as(c.god, 'GET', `${P}/sip-domains/${list[1].id}`));
    assert.equal(one.domain, 'v.example.com');
    assert.equal(ok(await c.as(c.god, 'GET', `${P}/sip-domains?clientId[null]=true`)).total, 1);
    assert.notEqual((await c.as(c.god, 'POST', `${P}/sip-domains`, { domain: 'x.example.com', brandId: brand.id })).status, 201);
    const op = await brandOperator(c, brand.id, 'ops-d');
    assert.equal((await c.as(op, 'GET', '/api/brand/sip-domains')).status, 404);
    await c.app.close();
  });

  it('infrastructure is platform-only: brand and client levels have no such routes', async () => {
    const c = await setUp(b);
    const brand = await newBrand(c);
    const op = await brandOperator(c, brand.id, 'ops-x');
    for (const p of ['proxy-users', 'proxy-trunks', 'media-relay-sets', 'media-relays', 'application-servers', 'sip-domains']) {
      assert.equal((await c.as(op, 'GET', `/api/brand/${p}`)).status, 404, p);
      assert.equal((await c.as(op, 'GET', `/api/client/${p}`)).status, 404, p);
    }
    const brandDoc = ok(await c.as(null, 'GET', '/api/brand/openapi.json'));
    assert.ok(!Object.keys(brandDoc.paths).some((k) => k.includes('proxy-trunks') && !k.includes('brand-proxy-trunks')));
    assert.ok(Object.keys(brandDoc.paths).some((k) => k.includes('brand-services')));
    // The brand sees its addresses on its own brand row, not the features (god-only).
    const self = ok(await c.as(op, 'GET', `/api/brand/brands/${brand.id}`));
    assert.equal(self.proxyTrunkIds.length, 1);
    await c.app.close();
  });
});
