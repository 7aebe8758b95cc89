// Terminals API: SIP password write-only, encrypted at rest with the platform key, HA1 (MD5 and SHA-256 of
// name:domain:password) precomputed and recomputed on password, name and client-domain changes; name unique per
// client; MAC normalised and unique per brand; vPBX clients only.
import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { forEachBackend } from '../support/stores.ts';
import { buildTestApi, expectProblem, injectAs, ok, seedWorld, type World } from '../support/api.ts';
import { configureSipSecretKey, decryptSipSecret, deriveSipSecretKey } from '../../src/store/secrets/sip-secret.ts';

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
const KEY = randomBytes(32).toString('base64');

forEachBackend('vPBX terminals API', (b) => {
  let app: FastifyInstance;
  let w: World;
  before(async () => {
    configureSipSecretKey(KEY);
    app = await buildTestApi(b.store);
    w = await seedWorld(app, b.store);
  });
  after(async () => {
    await app.close();
  });

  const stored = (id: number) =>
    b.store.db.selectFrom('terminals').select(['passwordEnc', 'ha1Md5', 'ha1Sha256', 'ha1Realm']).where('id', '=', id).executeTakeFirstOrThrow();

  it('creates a terminal whose password is never returned, encrypted at rest, with HA1 of name:domain:password', async () => {
    const t = ok(await injectAs(app, w.clientTokenA, 'POST', '/api/client/terminals', { name: 'alice', password: 'alice' }), 201);
    assert.equal(t.clientId, w.clientA);
    assert.deepEqual(t.allowedCodecs, ['PCMU', 'PCMA']);
    assert.equal(t.callerIdUpdateMethod, 'INVITE');
    for (const body of [t, ok(await injectAs(app, w.clientTokenA, 'GET', `/api/client/terminals/${t.id}`)), ok(await injectAs(app, w.god, 'GET', `/api/platform/terminals/${t.id}`))]) {
      for (const k of ['password', 'passwordEnc', 'ha1Md5', 'ha1Sha256', 'brandId']) assert.ok(!(k in body), `${k} returned`);
    }
    const list = ok(await injectAs(app, w.clientTokenA, 'GET', '/api/client/terminals'));
    assert.ok(!JSON.stringify(list).includes('password'));
    const row = await stored(t.id);
    assert.equal(row.ha1Md5, md5('alice:a.pbx.example.com:alice'));
    assert.equal(row.ha1Sha256, sha256('alice:a.pbx.example.com:alice'));
    assert.ok(!row.passwordEnc.includes('alice'));
    assert.deepEqual(decryptSipSecret(deriveSipSecretKey(KEY), row.passwordEnc), { ok: true, plaintext: 'alice' });
    assert.equal(decryptSipSecret(deriveSipSecretKey(randomBytes(32).toString('base64')), row.passwordEnc).ok, false);
    // the audit log does not keep the password either
    const audit = await b.store.db.selectFrom('auditLog').select(['after']).where('resource', '=', 'terminals').execute();
    assert.ok(audit.length > 0);
    for (const a of audit) assert.doesNotMatch(JSON.stringify(a.after), /password|ha1/i);
  });

  it('recomputes HA1 when the password, the name or the client SIP domain changes', async () => {
    const t = ok(await injectAs(app, w.clientTokenA, 'POST', '/api/client/terminals', { name: 'carol', password: 'Secret-pass1' }), 201);
    const first = await stored(t.id);
    ok(await injectAs(app, w.clientTokenA, 'PATCH', `/api/client/terminals/${t.id}`, { password: 'Other-pass2' }));
    const second = await stored(t.id);
    assert.equal(second.ha1Md5, md5('carol:a.pbx.example.com:Other-pass2'));
    assert.notEqual(second.ha1Md5, first.ha1Md5);
    ok(await injectAs(app, w.clientTokenA, 'PATCH', `/api/client/terminals/${t.id}`, { name: 'caroline' }));
    const third = await stored(t.id);
    assert.equal(third.ha1Md5, md5('caroline:a.pbx.example.com:Other-pass2'));
    assert.equal(third.ha1Sha256, sha256('caroline:a.pbx.example.com:Other-pass2'));
    // a codec change leaves the secret alone
    ok(await injectAs(app, w.clientTokenA, 'PATCH', `/api/client/terminals/${t.id}`, { allowedCodecs: ['opus', 'PCMA'] }));
    assert.equal((await stored(t.id)).passwordEnc, third.passwordEnc);

    const domainBefore = ok(await injectAs(app, w.god, 'GET', `/api/platform/clients/${w.clientA}`)).domain;
    ok(await injectAs(app, w.god, 'PATCH', `/api/platform/clients/${w.clientA}`, { domain: 'New.PBX.example.com' }));
    try {
      const fourth = await stored(t.id);
      assert.equal(fourth.ha1Realm, 'new.pbx.example.com');
      assert.equal(fourth.ha1Md5, md5('caroline:new.pbx.example.com:Other-pass2'));
      assert.equal(fourth.ha1Sha256, sha256('caroline:new.pbx.example.com:Other-pass2'));
    } finally {
      ok(await injectAs(app, w.god, 'PATCH', `/api/platform/clients/${w.clientA}`, { domain: domainBefore }));
    }
    assert.equal((await stored(t.id)).ha1Md5, md5('caroline:a.pbx.example.com:Other-pass2'));
  });

  it('keeps names unique per client, not across clients', async () => {
    ok(await injectAs(app, w.clientTokenA, 'POST', '/api/client/terminals', { name: 'dup', password: 'x' }), 201);
    expectProblem(await injectAs(app, w.clientTokenA, 'POST', '/api/client/terminals', { name: 'dup', password: 'y' }), 409, 'UNIQUE_VIOLATION', '/name');
    ok(await injectAs(app, w.clientTokenB, 'POST', '/api/client/terminals', { name: 'dup', password: 'z' }), 201);
    expectProblem(await injectAs(app, w.clientTokenA, 'POST', '/api/client/terminals', { name: 'a@b', password: 'y' }), 400, 'VALIDATION_FAILED', '/name');
    expectProblem(await injectAs(app, w.clientTokenA, 'POST', '/api/client/terminals', { name: 'nopass' }), 400, 'VALIDATION_FAILED', '/password');
    expectProblem(await injectAs(app, w.clientTokenA, 'POST', '/api/client/terminals', { name: 'codec', password: 'x', allowedCodecs: ['G729'] }), 400, 'VALIDATION_FAILED');
  });

  it('normalises MAC addresses and keeps them unique per brand', async () => {
    const t = ok(await injectAs(app, w.clientTokenA, 'POST', '/api/client/terminals', { name: 'phone1', password: 'x', mac: 'AA:BB:CC:00:11:22' }), 201);
    assert.equal(t.mac, 'aabbcc001122');
    expectProblem(await injectAs(app, w.clientTokenA, 'POST', '/api/client/terminals', { name: 'phone2', password: 'x', mac: 'aabb.cc00.1122' }), 409, 'UNIQUE_VIOLATION', '/mac');
    ok(await injectAs(app, w.clientTokenB, 'POST', '/api/client/terminals', { name: 'phone2', password: 'x', mac: 'aa-bb-cc-00-11-22' }), 201);
    expectProblem(await injectAs(app, w.clientTokenA, 'POST', '/api/client/terminals', { name: 'phone3', password: 'x', mac: 'not-a-mac' }), 400, 'VALIDATION_FAILED', '/mac');
  });

  it('refuses terminals for non-vPBX clients', async () => {
    const retail = ok(await injectAs(app, w.god, 'POST', '/api/platform/clients', { brandId: w.brandA, type: 'retail', name: 'Retail A' }), 201);
    expectProblem(await injectAs(app, w.god, 'POST', '/api/platform/terminals', { clientId: retail.id, name: 'r1', password: 'x' }), 400, 'VALIDATION_FAILED', '/clientId');
  });

  it("client A's admin cannot see, change or delete client B's terminals; brands see no terminals", async () => {
    const tb = ok(await injectAs(app, w.clientTokenB, 'POST', '/api/client/terminals', { name: 'secret-b', password: 'x' }), 201);
    expectProblem(await injectAs(app, w.clientTokenA, 'GET', `/api/client/terminals/${tb.id}`), 404, 'NOT_FOUND');
    expectProblem(await injectAs(app, w.clientTokenA, 'PATCH', `/api/client/terminals/${tb.id}`, { password: 'hijack' }), 404, 'NOT_FOUND');
    expectProblem(await injectAs(app, w.clientTokenA, 'DELETE', `/api/client/terminals/${tb.id}`), 404, 'NOT_FOUND');
    const list = ok(await injectAs(app, w.clientTokenA, 'GET', '/api/client/terminals?name=secret-b'));
    assert.equal(list.total, 0);
    assert.equal((await injectAs(app, w.brandTokenB, 'GET', '/api/brand/terminals')).status, 404);
  });

  it('deletes a terminal; one still used by a user is refused with 409', async () => {
    const t = ok(await injectAs(app, w.clientTokenA, 'POST', '/api/client/terminals', { name: 'gone', password: 'x' }), 201);
    const u = ok(await injectAs(app, w.clientTokenA, 'POST', '/api/client/users', { name: 'G', email: 'g@a.example', terminalId: t.id }), 201);
    expectProblem(await injectAs(app, w.clientTokenA, 'DELETE', `/api/client/terminals/${t.id}`), 409, 'IN_USE');
    ok(await injectAs(app, w.clientTokenA, 'PATCH', `/api/client/users/${u.id}`, { terminalId: null }));
    assert.equal((await injectAs(app, w.clientTokenA, 'DELETE', `/api/client/terminals/${t.id}`)).status, 204);
  });
}, { fresh: 'suite' });
