// Demo data and first-start seeding, straight on the store (both backends): what the demo creates, that it
// runs once, and that the infrastructure rows point at the configured addresses.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../support/stores.ts';
import { loadDemoData, isStoreEmpty, demoPortalUrls, DEMO } from '../../src/store/demo.ts';
import { apiCreateRules, firstStart } from '../../src/cli/first-start.ts';
import { loadConfig, type Config } from '../../src/config/load.ts';
import { verifyPassword } from '../../src/api/auth/passwords.ts';

function config(env: Record<string, string> = {}): Config {
  const r = loadConfig({ env: { PUBLIC_IP: '192.0.2.10', HTTP_PORT: '8443', ...env }, interfaces: () => ({}) });
  assert.ok(r.ok);
  return r.config;
}

forEachBackend('demo data and first start', (b) => {
  it('first start points proxies at PUBLIC_IP and loads the demo once', async () => {
    const db = b.store.db;
    assert.equal(await isStoreEmpty(db), true);
    const first = await firstStart(db, config());
    assert.equal(first.fresh, true);
    assert.ok(first.demo?.ok && first.demo.created);

    assert.equal((await db.selectFrom('proxyUsers').select('ip').executeTakeFirstOrThrow()).ip, '192.0.2.10');
    const trunks = await db.selectFrom('proxyTrunks').selectAll().execute();
    assert.deepEqual(trunks.map((t) => [t.name, t.ip, t.isMain]), [['proxytrunks', '192.0.2.10', true]]);

    const brand = await db.selectFrom('brands').selectAll().where('name', '=', DEMO.brand).executeTakeFirstOrThrow();
    for (const f of ['vpbx', 'retail', 'residential', 'wholesale', 'billing', 'invoices']) assert.ok(brand.features.includes(f), f);
    const cur = await db.selectFrom('currencies').select('code').where('id', '=', brand.currencyId).executeTakeFirstOrThrow();
    const lang = await db.selectFrom('languages').select('code').where('id', '=', brand.languageId).executeTakeFirstOrThrow();
    const tz = await db.selectFrom('timezones').select('name').where('id', '=', brand.defaultTimezoneId).executeTakeFirstOrThrow();
    assert.deepEqual([cur.code, lang.code, tz.name], ['EUR', 'en', 'Europe/Madrid']);

    const client = await db.selectFrom('clients').selectAll().where('name', '=', DEMO.client).executeTakeFirstOrThrow();
    assert.equal(client.type, 'vpbx');
    assert.equal(client.brandId, brand.id);
    assert.equal(client.domain, '192.0.2.10', 'the first client uses the users-proxy IP as its domain (DNS trick)');

    const admins = await db.selectFrom('administrators').select(['username', 'level', 'brandId', 'clientId', 'passwordHash'])
      .orderBy('id').execute();
    assert.deepEqual(admins.map((a) => [a.username, a.level, a.brandId, a.clientId]), [
      ['admin', 'platform', null, null],
      ['demo', 'brand', brand.id, null],
      ['demo-admin', 'client', brand.id, client.id],
    ]);
    for (const a of admins) assert.equal(await verifyPassword('changeme', a.passwordHash), true);

    // Create-time rules ran: the main address, brand services from the catalogue, client services without the
    // brand-only call-forward codes.
    const bpt = await db.selectFrom('brandProxyTrunks').select('proxyTrunkId').where('brandId', '=', brand.id).execute();
    assert.deepEqual(bpt.map((r) => r.proxyTrunkId), [trunks[0]?.id]);
    const services = await db.selectFrom('services').selectAll().execute();
    const bs = await db.selectFrom('brandServices').selectAll().where('brandId', '=', brand.id).execute();
    assert.equal(bs.length, services.length);
    const cs = await db.selectFrom('clientServices').selectAll().where('clientId', '=', client.id).execute();
    assert.equal(cs.length, services.filter((s) => !s.brandOnly).length);
    assert.ok(cs.some((s) => s.code === '*95'));

    const urls = await db.selectFrom('portalUrls').select(['kind', 'url']).orderBy('id').execute();
    assert.deepEqual(urls.map((u) => u.kind), ['platform', 'brand', 'client', 'user']);
    for (const u of urls) assert.match(u.url, /^https:\/\/[^/]+:8443$/);

    const domains = await db.selectFrom('sipDomains').selectAll().execute();
    assert.deepEqual(domains.map((d) => [d.domain, d.brandId, d.clientId]), [['192.0.2.10', brand.id, client.id]]);

    // Second start: nothing changes, nothing is duplicated.
    const again = await firstStart(db, config({ PUBLIC_IP: '198.51.100.1' }));
    assert.deepEqual(again, { fresh: false, demo: null });
    assert.equal((await db.selectFrom('proxyUsers').select('ip').executeTakeFirstOrThrow()).ip, '192.0.2.10');
    assert.equal((await db.selectFrom('brands').select('id').execute()).length, 1);
    assert.equal((await db.selectFrom('administrators').select('id').execute()).length, 3);
    const direct = await loadDemoData(db, { publicUrl: 'http://localhost:8080' }, apiCreateRules);
    assert.deepEqual(direct.ok && !direct.created, true);
  });

  it('without demo data, first start seeds addresses and MEDIA relay only', async () => {
    const db = b.store.db;
    const first = await firstStart(db, config({ DEMO_DATA: 'false', MEDIA: 'rtpengine:127.0.0.1:2223' }));
    assert.deepEqual(first, { fresh: true, demo: null });
    assert.equal(await isStoreEmpty(db), true);
    const relays = await db.selectFrom('mediaRelays').select(['mediaRelaySetId', 'address', 'metric']).execute();
    assert.deepEqual(relays, [{ mediaRelaySetId: 0, address: 'udp:127.0.0.1:2223', metric: 1 }]);
    // Repeating while still empty does not add a second relay.
    await firstStart(db, config({ DEMO_DATA: 'false', MEDIA: 'rtpengine:127.0.0.1:2223' }));
    assert.equal((await db.selectFrom('mediaRelays').select('id').execute()).length, 1);
  });

  it('a failing step leaves no half-written demo', async () => {
    const db = b.store.db;
    const r = loadDemoData(db, { publicUrl: 'http://localhost:8080' }, {
      ...apiCreateRules,
      async extend() {
        throw new Error('boom');
      },
    });
    await assert.rejects(r, /boom/);
    assert.equal(await isStoreEmpty(db), true);
    assert.equal((await db.selectFrom('clients').select('id').execute()).length, 0);
    assert.equal((await db.selectFrom('portalUrls').select('id').execute()).length, 0);
  });
});

it('demo portal URLs are HTTPS, without trailing slash, one host per level', () => {
  assert.deepEqual(demoPortalUrls('http://localhost:8080'), {
    platform: 'https://localhost:8080',
    brand: 'https://demobrand.localhost:8080',
    client: 'https://democompany.localhost:8080',
    user: 'https://users.democompany.localhost:8080',
  });
  assert.deepEqual(demoPortalUrls('https://192.0.2.1').brand, 'https://demobrand.localhost');
  assert.deepEqual(demoPortalUrls('https://sy.example.com:9443/').platform, 'https://sy.example.com:9443');
});
