// Users API: client CRUD, brand read-only view, user self-service (own row, user-editable fields only), email
// unique across the platform, one user per terminal, portal password write-only, user-portal login rules (S46),
// cross-tenant denial.
import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { forEachBackend } from '../support/stores.ts';
import { TEST_SECRET, buildTestApi, expectProblem, injectAs, ok, seedWorld, type World } from '../support/api.ts';
import { configureSipSecretKey } from '../../src/store/secrets/sip-secret.ts';
import { verifyUserLogin } from '../../src/api/resources/users-login.ts';
import { startSession } from '../../src/api/auth/sessions.ts';

forEachBackend('vPBX users API', (b) => {
  let app: FastifyInstance;
  let w: World;
  let termA: number;
  let extA: number;
  before(async () => {
    configureSipSecretKey(randomBytes(32).toString('base64'));
    app = await buildTestApi(b.store);
    w = await seedWorld(app, b.store);
    termA = ok(await injectAs(app, w.clientTokenA, 'POST', '/api/client/terminals', { name: 'alice', password: 'alice' }), 201).id;
    extA = ok(await injectAs(app, w.clientTokenA, 'POST', '/api/client/extensions', { number: '101' }), 201).id;
  });
  after(async () => {
    await app.close();
  });

  /** A user session as `/api/user/auth/login` opens it. */
  async function userToken(email: string, password: string): Promise<string> {
    const r = await verifyUserLogin(b.store.db, email, password);
    assert.ok(r.ok, `login ${email}`);
    const pair = await startSession(b.store.db, { jwtSecret: TEST_SECRET, accessTtlSeconds: 3600, refreshTtlSeconds: 3600, now: Date.now }, r.caller);
    return pair.token;
  }

  it('client admin creates, reads, updates and deletes users; the password is never returned', async () => {
    const u = ok(await injectAs(app, w.clientTokenA, 'POST', '/api/client/users', {
      name: 'Alice', lastname: 'Liddell', email: 'Alice@Example.com', password: 'wonderland', terminalId: termA, screenExtensionId: extA,
    }), 201);
    assert.equal(u.email, 'alice@example.com');
    assert.equal(u.clientId, w.clientA);
    assert.equal(u.multiContact, true);
    assert.equal(u.callWaitingLimit, 0);
    assert.equal(u.callsFromNonGrantedIps, 0);
    assert.equal(u.rejectMethod, 'default');
    assert.equal(u.active, true);
    assert.ok(!('password' in u) && !('passwordHash' in u));
    const got = ok(await injectAs(app, w.clientTokenA, 'GET', `/api/client/users/${u.id}`));
    assert.ok(!JSON.stringify(got).includes('scrypt'));
    const upd = ok(await injectAs(app, w.clientTokenA, 'PATCH', `/api/client/users/${u.id}`, { doNotDisturb: true, rejectMethod: 'reject-all', callsFromNonGrantedIps: 2 }));
    assert.equal(upd.doNotDisturb, true);
    assert.equal(upd.rejectMethod, 'reject-all');
    expectProblem(await injectAs(app, w.clientTokenA, 'PATCH', `/api/client/users/${u.id}`, { callsFromNonGrantedIps: 4 }), 400, 'VALIDATION_FAILED', '/callsFromNonGrantedIps');
    expectProblem(await injectAs(app, w.clientTokenA, 'PATCH', `/api/client/users/${u.id}`, { rejectMethod: 'reject-only-current' }), 400, 'VALIDATION_FAILED', '/rejectMethod');
    // names become the caller's display name in SIP headers: one line only
    expectProblem(await injectAs(app, w.clientTokenA, 'PATCH', `/api/client/users/${u.id}`, { name: 'Bob\r\nCall-Info: x' }), 400, 'VALIDATION_FAILED', '/name');
    expectProblem(await injectAs(app, w.clientTokenA, 'PATCH', `/api/client/users/${u.id}`, { lastname: 'tab\there' }), 400, 'VALIDATION_FAILED', '/lastname');
    ok(await injectAs(app, w.clientTokenA, 'PATCH', `/api/client/users/${u.id}`, { name: 'Zoë-Ann O\'Neil', lastname: null }), 200);
    const tmp = ok(await injectAs(app, w.clientTokenA, 'POST', '/api/client/users', { name: 'Tmp', email: 'tmp@example.com' }), 201);
    assert.equal((await injectAs(app, w.clientTokenA, 'DELETE', `/api/client/users/${tmp.id}`)).status, 204);
    expectProblem(await injectAs(app, w.clientTokenA, 'GET', `/api/client/users/${tmp.id}`), 404, 'NOT_FOUND');
  });

  it('email is unique across the whole platform (409 naming email), case-insensitively', async () => {
    ok(await injectAs(app, w.clientTokenA, 'POST', '/api/client/users', { name: 'U1', email: 'same@example.com' }), 201);
    expectProblem(await injectAs(app, w.clientTokenB, 'POST', '/api/client/users', { name: 'U2', email: 'SAME@example.com' }), 409, 'UNIQUE_VIOLATION', '/email');
    expectProblem(await injectAs(app, w.clientTokenA, 'POST', '/api/client/users', { name: 'U3', email: 'not-an-email' }), 400, 'VALIDATION_FAILED', '/email');
  });

  it('a terminal belongs to at most one user', async () => {
    const t = ok(await injectAs(app, w.clientTokenA, 'POST', '/api/client/terminals', { name: 'shared', password: 'x' }), 201);
    ok(await injectAs(app, w.clientTokenA, 'POST', '/api/client/users', { name: 'T1', email: 't1@example.com', terminalId: t.id }), 201);
    expectProblem(await injectAs(app, w.clientTokenA, 'POST', '/api/client/users', { name: 'T2', email: 't2@example.com', terminalId: t.id }), 409, 'UNIQUE_VIOLATION', '/terminalId');
  });

  it("client A cannot see or reference client B's users, terminals and extensions", async () => {
    const tb = ok(await injectAs(app, w.clientTokenB, 'POST', '/api/client/terminals', { name: 'bob', password: 'bob' }), 201);
    const eb = ok(await injectAs(app, w.clientTokenB, 'POST', '/api/client/extensions', { number: '201' }), 201);
    const ub = ok(await injectAs(app, w.clientTokenB, 'POST', '/api/client/users', { name: 'Bob', email: 'bob@b.example', terminalId: tb.id }), 201);
    for (const [path, id] of [['users', ub.id], ['terminals', tb.id], ['extensions', eb.id]] as const) {
      expectProblem(await injectAs(app, w.clientTokenA, 'GET', `/api/client/${path}/${id}`), 404, 'NOT_FOUND');
      expectProblem(await injectAs(app, w.clientTokenA, 'PATCH', `/api/client/${path}/${id}`, {}), 404, 'NOT_FOUND');
      expectProblem(await injectAs(app, w.clientTokenA, 'DELETE', `/api/client/${path}/${id}`), 404, 'NOT_FOUND');
      const list = ok(await injectAs(app, w.clientTokenA, 'GET', `/api/client/${path}?id=${id}`));
      assert.equal(list.total, 0);
    }
    expectProblem(await injectAs(app, w.clientTokenA, 'POST', '/api/client/users', { name: 'X', email: 'x1@example.com', terminalId: tb.id }), 404, 'REFERENCE_NOT_FOUND', '/terminalId');
    expectProblem(await injectAs(app, w.clientTokenA, 'POST', '/api/client/users', { name: 'X', email: 'x2@example.com', screenExtensionId: eb.id }), 404, 'REFERENCE_NOT_FOUND', '/screenExtensionId');
    expectProblem(await injectAs(app, w.clientTokenA, 'POST', '/api/client/users', { name: 'X', email: 'x3@example.com', bossAssistantId: ub.id }), 404, 'REFERENCE_NOT_FOUND', '/bossAssistantId');
    expectProblem(await injectAs(app, w.clientTokenA, 'POST', '/api/client/extensions', { number: '150', routeType: 'user', userId: ub.id }), 404, 'REFERENCE_NOT_FOUND', '/userId');
    // god cannot mix clients either
    const ua = ok(await injectAs(app, w.clientTokenA, 'POST', '/api/client/users', { name: 'Y', email: 'y@example.com' }), 201);
    expectProblem(await injectAs(app, w.god, 'PATCH', `/api/platform/users/${ua.id}`, { terminalId: tb.id }), 400, 'VALIDATION_FAILED', '/terminalId');
    // nothing of B changed
    assert.equal(ok(await injectAs(app, w.clientTokenB, 'GET', `/api/client/users/${ub.id}`)).terminalId, tb.id);
  });

  it('brands see their clients\' users read-only; another brand sees none of them', async () => {
    const list = ok(await injectAs(app, w.brandTokenA, 'GET', '/api/brand/users'));
    assert.ok(list.total > 0);
    assert.ok(list.items.every((u: { clientId: number }) => u.clientId === w.clientA));
    const some = list.items[0] as { id: number };
    ok(await injectAs(app, w.brandTokenA, 'GET', `/api/brand/users/${some.id}`));
    expectProblem(await injectAs(app, w.brandTokenB, 'GET', `/api/brand/users/${some.id}`), 404, 'NOT_FOUND');
    const listB = ok(await injectAs(app, w.brandTokenB, 'GET', '/api/brand/users'));
    assert.ok(listB.items.every((u: { clientId: number }) => u.clientId === w.clientB));
    assert.equal((await injectAs(app, w.brandTokenA, 'POST', '/api/brand/users', { name: 'N', email: 'n@example.com', clientId: w.clientA })).status, 404);
    assert.equal((await injectAs(app, w.brandTokenA, 'PATCH', `/api/brand/users/${some.id}`, { name: 'N' })).status, 404);
  });

  it('user portal login: email + password, refused when inactive or without password (S46)', async () => {
    const u = ok(await injectAs(app, w.clientTokenA, 'POST', '/api/client/users', { name: 'Login', email: 'login@example.com', password: 'portal-pw' }), 201);
    assert.equal((await verifyUserLogin(b.store.db, 'LOGIN@example.com', 'portal-pw')).ok, true);
    assert.equal((await verifyUserLogin(b.store.db, 'login@example.com', 'wrong-pw')).ok, false);
    assert.equal((await verifyUserLogin(b.store.db, 'nobody@example.com', 'portal-pw')).ok, false);
    ok(await injectAs(app, w.clientTokenA, 'PATCH', `/api/client/users/${u.id}`, { active: false }));
    assert.equal((await verifyUserLogin(b.store.db, 'login@example.com', 'portal-pw')).ok, false);
    ok(await injectAs(app, w.clientTokenA, 'PATCH', `/api/client/users/${u.id}`, { active: true, password: null }));
    assert.equal((await verifyUserLogin(b.store.db, 'login@example.com', 'portal-pw')).ok, false);
    const r = await verifyUserLogin(b.store.db, 'alice@example.com', 'wonderland');
    assert.ok(r.ok);
    assert.equal(r.caller.level, 'user');
    assert.equal(r.caller.clientId, w.clientA);
    assert.equal(r.caller.brandId, w.brandA);
  });

  it('a user sees and edits only itself, and only the user-editable fields', async () => {
    const me = ok(await injectAs(app, w.clientTokenA, 'POST', '/api/client/users', { name: 'Me', email: 'me@example.com', password: 'my-password' }), 201);
    const other = ok(await injectAs(app, w.clientTokenA, 'POST', '/api/client/users', { name: 'Other', email: 'other@example.com', password: 'other-pass' }), 201);
    const token = await userToken('me@example.com', 'my-password');
    const list = ok(await injectAs(app, token, 'GET', '/api/user/users'));
    assert.deepEqual(list.items.map((u: { id: number }) => u.id), [me.id]);
    ok(await injectAs(app, token, 'GET', `/api/user/users/${me.id}`));
    expectProblem(await injectAs(app, token, 'GET', `/api/user/users/${other.id}`), 404, 'NOT_FOUND');
    expectProblem(await injectAs(app, token, 'PATCH', `/api/user/users/${other.id}`, { doNotDisturb: true }), 404, 'NOT_FOUND');
    const upd = ok(await injectAs(app, token, 'PATCH', `/api/user/users/${me.id}`, { doNotDisturb: true, callWaitingLimit: 2 }));
    assert.equal(upd.doNotDisturb, true);
    assert.equal(upd.callWaitingLimit, 2);
    for (const field of ['name', 'email', 'active', 'terminalId', 'isBoss', 'multiContact']) {
      const value = field === 'name' || field === 'email' ? 'x@example.com' : field === 'terminalId' ? termA : true;
      expectProblem(await injectAs(app, token, 'PATCH', `/api/user/users/${me.id}`, { [field]: value }), 400, 'VALIDATION_FAILED', `/${field}`);
    }
    ok(await injectAs(app, token, 'PATCH', `/api/user/users/${me.id}`, { password: 'new-password' }));
    assert.equal((await verifyUserLogin(b.store.db, 'me@example.com', 'new-password')).ok, true);
    assert.equal((await verifyUserLogin(b.store.db, 'me@example.com', 'my-password')).ok, false);
    assert.equal((await injectAs(app, token, 'DELETE', `/api/user/users/${me.id}`)).status, 404);
    assert.equal((await injectAs(app, token, 'GET', '/api/user/terminals')).status, 404);
    // the user token is not valid on other levels
    expectProblem(await injectAs(app, token, 'GET', '/api/client/users'), 401, 'TOKEN_INVALID');
  });
}, { fresh: 'suite' });
