// The in-memory SIP directory: lookups by domain, (domain, terminal name) and (client, extension number), and
// refresh after API writes without an explicit reload (in-process change signal), on both backends.
import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { forEachBackend } from '../support/stores.ts';
import { buildTestApi, injectAs, ok, seedWorld, type World } from '../support/api.ts';
import { configureSipSecretKey } from '../../src/store/secrets/sip-secret.ts';
import { Directory, readDirectoryVersion } from '../../src/store/directory/index.ts';

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

forEachBackend('vPBX SIP directory', (b) => {
  let app: FastifyInstance;
  let w: World;
  let dir: Directory;
  let aliceUser: number;
  let aliceTerm: number;
  before(async () => {
    configureSipSecretKey(randomBytes(32).toString('base64'));
    app = await buildTestApi(b.store);
    w = await seedWorld(app, b.store);
    aliceTerm = ok(await injectAs(app, w.clientTokenA, 'POST', '/api/client/terminals', { name: 'alice', password: 'alice' }), 201).id;
    const ext = ok(await injectAs(app, w.clientTokenA, 'POST', '/api/client/extensions', { number: '101' }), 201).id;
    aliceUser = ok(await injectAs(app, w.clientTokenA, 'POST', '/api/client/users', { name: 'Alice', lastname: 'A', email: 'alice@a.example', terminalId: aliceTerm, screenExtensionId: ext }), 201).id;
    ok(await injectAs(app, w.clientTokenA, 'PATCH', `/api/client/extensions/${ext}`, { routeType: 'user', userId: aliceUser }));
    // no polling: freshness below must come from the change signal alone
    dir = await Directory.open(b.store.db, { pollIntervalMs: 0 });
  });
  after(async () => {
    await dir.close();
    await app.close();
  });

  /** Waits until the directory has loaded everything written so far. */
  async function caughtUp(): Promise<void> {
    await dir.waitForVersion(await readDirectoryVersion(b.store.db));
  }

  it('resolves domains, terminals (with HA1, user and client) and extensions', () => {
    const d = dir.domain('A.PBX.example.com');
    assert.equal(d?.kind, 'client');
    assert.equal(d?.kind === 'client' && d.client.id, w.clientA);
    const bd = dir.domain('sip.brand-a.example.com');
    assert.deepEqual(bd, { kind: 'brand', domain: 'sip.brand-a.example.com', brandId: w.brandA });
    assert.equal(dir.domain('unknown.example.com'), undefined);

    const t = dir.terminal('a.pbx.example.com', 'alice');
    assert.ok(t);
    assert.equal(t.id, aliceTerm);
    assert.equal(t.ha1Md5, md5('alice:a.pbx.example.com:alice'));
    assert.equal(t.client.id, w.clientA);
    assert.equal(t.user?.id, aliceUser);
    assert.equal(t.user?.displayName, 'Alice A');
    assert.equal(t.user?.screenExtension, '101');
    assert.equal(t.user?.multiContact, true);
    assert.equal(t.user?.rejectMethod, 'default');
    assert.equal(dir.terminal('b.pbx.example.com', 'alice'), undefined, 'the name is per client domain');
    assert.equal(dir.terminal('a.pbx.example.com', 'Alice'), undefined, 'SIP usernames are case-sensitive');

    assert.deepEqual(dir.extension(w.clientA, '101')?.target, { type: 'user', id: aliceUser });
    assert.equal(dir.extension(w.clientB, '101'), undefined);
  });

  it('picks up API writes through the change signal (users, terminals, extensions, client domain)', async () => {
    const before = dir.version;
    ok(await injectAs(app, w.clientTokenA, 'PATCH', `/api/client/users/${aliceUser}`, { doNotDisturb: true, callWaitingLimit: 3 }));
    await caughtUp();
    assert.ok(dir.version > before);
    assert.equal(dir.terminal('a.pbx.example.com', 'alice')?.user?.doNotDisturb, true);
    assert.equal(dir.user(aliceUser)?.callWaitingLimit, 3);

    ok(await injectAs(app, w.clientTokenA, 'PATCH', `/api/client/terminals/${aliceTerm}`, { password: 'N3w-password' }));
    await caughtUp();
    assert.equal(dir.terminal('a.pbx.example.com', 'alice')?.ha1Md5, md5('alice:a.pbx.example.com:N3w-password'));

    ok(await injectAs(app, w.clientTokenA, 'POST', '/api/client/extensions', { number: '555', routeType: 'number', numberValue: '+34944048184' }), 201);
    await caughtUp();
    assert.deepEqual(dir.extension(w.clientA, '555')?.target, { type: 'number', number: '+34944048184' });

    ok(await injectAs(app, w.god, 'PATCH', `/api/platform/clients/${w.clientA}`, { domain: 'moved.pbx.example.com' }));
    await caughtUp();
    assert.equal(dir.domain('a.pbx.example.com'), undefined);
    assert.equal(dir.terminal('moved.pbx.example.com', 'alice')?.ha1Md5, md5('alice:moved.pbx.example.com:N3w-password'));

    const term = ok(await injectAs(app, w.clientTokenA, 'POST', '/api/client/terminals', { name: 'gone', password: 'x' }), 201);
    await caughtUp();
    assert.ok(dir.terminal('moved.pbx.example.com', 'gone'));
    assert.equal((await injectAs(app, w.clientTokenA, 'DELETE', `/api/client/terminals/${term.id}`)).status, 204);
    await caughtUp();
    assert.equal(dir.terminal('moved.pbx.example.com', 'gone'), undefined);
  });

  it('reloads asked for during a reload share one follow-up reload', async () => {
    const before = dir.reloadCount;
    const asked = Array.from({ length: 10 }, () => dir.reload());
    assert.equal(dir.reloadCount, before + 1, 'the first call starts a reload, the other nine wait for the follow-up');
    await Promise.all(asked);
    assert.equal(dir.reloadCount, before + 2);
    await dir.reload();
    assert.equal(dir.reloadCount, before + 3, 'a reload asked for when none runs starts at once');
  });

  it('a burst of API writes all become visible without a reload per write having to finish first', async () => {
    const numbers = Array.from({ length: 20 }, (_, i) => String(700 + i));
    await Promise.all(numbers.map((n) => injectAs(app, w.clientTokenA, 'POST', '/api/client/extensions', { number: n, routeType: 'number', numberValue: `+3494404${n}` })));
    await caughtUp();
    for (const n of numbers) assert.deepEqual(dir.extension(w.clientA, n)?.target, { type: 'number', number: `+3494404${n}` });
  });

  it('a failed write does not move the version', async () => {
    const v = await readDirectoryVersion(b.store.db);
    assert.equal((await injectAs(app, w.clientTokenA, 'POST', '/api/client/users', { name: 'Dup', email: 'alice@a.example' })).status, 409);
    assert.equal(await readDirectoryVersion(b.store.db), v);
    assert.equal(await dir.refreshIfChanged(), false);
  });
}, { fresh: 'suite' });
