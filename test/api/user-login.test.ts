// User-portal login over HTTP (issue 6, seed-part2 §2.25, S46): `POST /api/user/auth/login` with email + portal
// password opens a user session; the token reads the user's own row and own call-registry rows, never another
// user's; withdrawing portal access (active = false, password = null) ends open sessions and refresh at once.
import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { forEachBackend } from '../support/stores.ts';
import { buildTestApi, expectProblem, injectAs, ok, seedWorld, type Res, type World } from '../support/api.ts';
import { configureSipSecretKey } from '../../src/store/secrets/sip-secret.ts';

function claims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

forEachBackend('user-portal login', (b) => {
  let app: FastifyInstance;
  let w: World;
  let alice: number;
  let bob: number;
  let xavier: number;
  const rows: Record<string, number> = {};
  before(async () => {
    configureSipSecretKey(randomBytes(32).toString('base64'));
    app = await buildTestApi(b.store);
    w = await seedWorld(app, b.store);
    const mk = async (token: string, body: Record<string, unknown>) => ok(await injectAs(app, token, 'POST', '/api/client/users', body), 201).id as number;
    alice = await mk(w.clientTokenA, { name: 'Alice', email: 'Alice@A.example', password: 'alice-portal' });
    bob = await mk(w.clientTokenA, { name: 'Bob', email: 'bob@a.example', password: 'bob-portal' });
    xavier = await mk(w.clientTokenB, { name: 'Xavier', email: 'xavier@b.example', password: 'xavier-portal' });
    // Call registry rows as the B2BUA writes them when a call ends: one per endpoint leg.
    const start = new Date('2025-01-01T10:00:00Z');
    const leg = (brandId: number, clientId: number, userId: number, callId: string, direction: 'inbound' | 'outbound') => ({
      brandId, clientId, userId, callId, startTime: start, duration: 42, caller: '101', callee: '102', direction, disposition: 'answered' as const,
    });
    const inserted = await b.store.db.insertInto('callRegistry').values([
      leg(w.brandA, w.clientA, alice, 'c1', 'outbound'),
      leg(w.brandA, w.clientA, bob, 'c1', 'inbound'),
      leg(w.brandB, w.clientB, xavier, 'c2', 'outbound'),
    ]).returning(['id', 'userId']).execute();
    for (const r of inserted) rows[r.userId === alice ? 'alice' : r.userId === bob ? 'bob' : 'xavier'] = r.id;
  });
  after(async () => {
    await app.close();
  });

  const loginAs = (email: string, password: string): Promise<Res> => injectAs(app, null, 'POST', '/api/user/auth/login', { email, password });

  it('logs in with email (any case) and portal password; the token reads the own user row without the password', async () => {
    const pair = ok(await loginAs('ALICE@a.example', 'alice-portal'));
    assert.equal(typeof pair.token, 'string');
    assert.equal(pair.refresh_token, pair.refreshToken);
    const c = claims(pair.token);
    assert.equal(c.lvl, 'user');
    assert.equal(c.uid, alice);
    assert.equal(c.cid, w.clientA);
    assert.equal(c.bid, w.brandA);
    const me = ok(await injectAs(app, pair.token, 'GET', `/api/user/users/${alice}`));
    assert.equal(me.email, 'alice@a.example');
    assert.ok(!('password' in me) && !('passwordHash' in me));
    const list = ok(await injectAs(app, pair.token, 'GET', '/api/user/users'));
    assert.deepEqual(list.items.map((u: { id: number }) => u.id), [alice]);
    const raw = JSON.stringify(list) + JSON.stringify(me) + JSON.stringify(pair);
    assert.ok(!raw.includes('scrypt') && !raw.includes('alice-portal'), 'no password or hash in any answer');
  });

  it('wrong password, unknown email and malformed bodies are refused with problem+json', async () => {
    expectProblem(await loginAs('alice@a.example', 'wrong-password'), 401, 'INVALID_CREDENTIALS');
    expectProblem(await loginAs('nobody@a.example', 'alice-portal'), 401, 'INVALID_CREDENTIALS');
    expectProblem(await injectAs(app, null, 'POST', '/api/user/auth/login', { email: 'alice@a.example' }), 400, 'VALIDATION_FAILED', '/password');
    expectProblem(await injectAs(app, null, 'POST', '/api/user/auth/login', { username: 'alice@a.example', password: 'alice-portal' }), 400, 'VALIDATION_FAILED', '/username');
  });

  it('a user reads only its own call-registry rows; other users\' rows are 404', async () => {
    const token = ok(await loginAs('alice@a.example', 'alice-portal')).token as string;
    const list = ok(await injectAs(app, token, 'GET', '/api/user/call-registry'));
    assert.deepEqual(list.items.map((r: { id: number }) => r.id), [rows.alice]);
    ok(await injectAs(app, token, 'GET', `/api/user/call-registry/${rows.alice}`));
    // same client (bob) and other client (xavier): invisible, same as rows that do not exist
    expectProblem(await injectAs(app, token, 'GET', `/api/user/call-registry/${rows.bob}`), 404, 'NOT_FOUND');
    expectProblem(await injectAs(app, token, 'GET', `/api/user/call-registry/${rows.xavier}`), 404, 'NOT_FOUND');
    expectProblem(await injectAs(app, token, 'GET', `/api/user/users/${bob}`), 404, 'NOT_FOUND');
    expectProblem(await injectAs(app, token, 'GET', `/api/user/users/${xavier}`), 404, 'NOT_FOUND');
    assert.equal(ok(await injectAs(app, token, 'GET', `/api/user/call-registry?userId=${bob}`)).total, 0);
    // the user token is no admin token
    expectProblem(await injectAs(app, token, 'GET', '/api/client/call-registry'), 401, 'TOKEN_INVALID');
  });

  it('portal login inactive: login refused; deactivated after login: next request and refresh are 401', async () => {
    const bobPair = ok(await loginAs('bob@a.example', 'bob-portal'));
    ok(await injectAs(app, bobPair.token, 'GET', `/api/user/users/${bob}`));
    ok(await injectAs(app, w.clientTokenA, 'PATCH', `/api/client/users/${bob}`, { active: false }));
    expectProblem(await injectAs(app, bobPair.token, 'GET', `/api/user/users/${bob}`), 401, 'TOKEN_INVALID');
    expectProblem(await injectAs(app, null, 'POST', '/api/user/auth/refresh', { refreshToken: bobPair.refreshToken }), 401, 'TOKEN_INVALID');
    expectProblem(await loginAs('bob@a.example', 'bob-portal'), 401, 'INVALID_CREDENTIALS');
    // re-activated: a new login works again (the refused refresh did not spend anything else)
    ok(await injectAs(app, w.clientTokenA, 'PATCH', `/api/client/users/${bob}`, { active: true }));
    const again = ok(await loginAs('bob@a.example', 'bob-portal'));
    ok(await injectAs(app, again.token, 'GET', '/api/user/call-registry'));
    // removing the portal password withdraws access the same way
    ok(await injectAs(app, w.clientTokenA, 'PATCH', `/api/client/users/${bob}`, { password: null }));
    expectProblem(await injectAs(app, again.token, 'GET', '/api/user/call-registry'), 401, 'TOKEN_INVALID');
    expectProblem(await injectAs(app, null, 'POST', '/api/user/auth/refresh', { refreshToken: again.refreshToken }), 401, 'TOKEN_INVALID');
    expectProblem(await loginAs('bob@a.example', 'bob-portal'), 401, 'INVALID_CREDENTIALS');
  });

  it('a password change ends the open sessions of that account (user and administrator); the new password logs in', async () => {
    const a1 = ok(await loginAs('alice@a.example', 'alice-portal'));
    const a2 = ok(await loginAs('alice@a.example', 'alice-portal'));
    const other = ok(await loginAs('xavier@b.example', 'xavier-portal'));
    // the user changes its own password: both of its sessions end, the caller's included; another user's stays
    ok(await injectAs(app, a1.token, 'PATCH', `/api/user/users/${alice}`, { password: 'alice-new-pw' }));
    expectProblem(await injectAs(app, a1.token, 'GET', `/api/user/users/${alice}`), 401, 'TOKEN_INVALID');
    expectProblem(await injectAs(app, a2.token, 'GET', `/api/user/users/${alice}`), 401, 'TOKEN_INVALID');
    expectProblem(await injectAs(app, null, 'POST', '/api/user/auth/refresh', { refreshToken: a2.refreshToken }), 401, 'TOKEN_INVALID');
    ok(await injectAs(app, other.token, 'GET', `/api/user/users/${xavier}`));
    expectProblem(await loginAs('alice@a.example', 'alice-portal'), 401, 'INVALID_CREDENTIALS');
    const fresh = ok(await loginAs('alice@a.example', 'alice-new-pw'));
    // a change by the client administrator ends it as well; a rejected change (too short) ends nothing
    expectProblem(await injectAs(app, w.clientTokenA, 'PATCH', `/api/client/users/${alice}`, { password: 'short' }), 400, 'VALIDATION_FAILED', '/password');
    ok(await injectAs(app, fresh.token, 'GET', `/api/user/users/${alice}`));
    ok(await injectAs(app, w.clientTokenA, 'PATCH', `/api/client/users/${alice}`, { password: 'alice-portal' }));
    expectProblem(await injectAs(app, fresh.token, 'GET', `/api/user/users/${alice}`), 401, 'TOKEN_INVALID');
    // other edits keep sessions
    const kept = ok(await loginAs('alice@a.example', 'alice-portal'));
    ok(await injectAs(app, w.clientTokenA, 'PATCH', `/api/client/users/${alice}`, { doNotDisturb: true }));
    ok(await injectAs(app, kept.token, 'GET', `/api/user/users/${alice}`));
    // administrators: a brand admin resets a client admin's password; the client admin's sessions end
    const adminUser = `ca-${randomBytes(4).toString('hex')}`;
    const adminId = ok(await injectAs(app, w.brandTokenA, 'POST', '/api/brand/administrators', { username: adminUser, password: 'first-password', clientId: w.clientA }), 201).id as number;
    const adm = ok(await injectAs(app, null, 'POST', '/api/client/auth/login', { username: adminUser, password: 'first-password', brandId: w.brandA }));
    ok(await injectAs(app, adm.token, 'GET', '/api/client/users'));
    ok(await injectAs(app, w.brandTokenA, 'PATCH', `/api/brand/administrators/${adminId}`, { password: 'second-password' }));
    expectProblem(await injectAs(app, adm.token, 'GET', '/api/client/users'), 401, 'TOKEN_INVALID');
    expectProblem(await injectAs(app, null, 'POST', '/api/client/auth/refresh', { refreshToken: adm.refreshToken }), 401, 'TOKEN_INVALID');
    ok(await injectAs(app, null, 'POST', '/api/client/auth/login', { username: adminUser, password: 'second-password', brandId: w.brandA }));
  });

  it('refresh rotates user tokens and logout ends the session', async () => {
    const pair = ok(await loginAs('xavier@b.example', 'xavier-portal'));
    const next = ok(await injectAs(app, null, 'POST', '/api/user/auth/refresh', { refreshToken: pair.refreshToken }));
    assert.notEqual(next.refreshToken, pair.refreshToken);
    assert.equal(claims(next.token).uid, xavier);
    ok(await injectAs(app, next.token, 'GET', `/api/user/users/${xavier}`));
    assert.equal((await injectAs(app, next.token, 'POST', '/api/user/auth/logout')).status, 204);
    expectProblem(await injectAs(app, next.token, 'GET', `/api/user/users/${xavier}`), 401, 'TOKEN_INVALID');
  });
}, { fresh: 'suite' });
