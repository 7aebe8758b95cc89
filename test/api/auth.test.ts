// Login, refresh rotation, logout, expiry, token exchange (emulation) with the chain in token and audit log, and
// restricted administrators (read-only until granted; portal refused at platform/brand level).
import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { forEachBackend } from '../support/stores.ts';
import { buildTestApi, expectProblem, injectAs, login, loginPair, ok, seedWorld, TEST_SECRET, type World } from '../support/api.ts';
import { signJwt, type JwtClaims } from '../../src/api/auth/jwt.ts';

function claims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** The same token (same session, same claims) as if issued `ageSeconds` ago, signed with the test secret. */
function aged(token: string, ageSeconds: number): string {
  const c = claims(token) as JwtClaims;
  const ttl = c.exp - c.iat;
  return signJwt({ ...c, iat: c.iat - ageSeconds, exp: c.iat - ageSeconds + ttl }, TEST_SECRET);
}

forEachBackend('API auth', (b) => {
  let app: FastifyInstance;
  let w: World;
  let clock = Date.now();
  before(async () => {
    app = await buildTestApi(b.store, { now: () => clock });
    w = await seedWorld(app, b.store);
  });
  after(async () => {
    await app.close();
  });

  it('logs in per level, also via /admin_login; bad credentials are 401', async () => {
    const r = ok(await injectAs(app, null, 'POST', '/api/platform/admin_login', { username: 'admin', password: 'changeme' }));
    assert.equal(typeof r.token, 'string');
    assert.equal(r.refresh_token, r.refreshToken);
    assert.equal(r.expiresIn, 3600);
    assert.equal(claims(r.token).lvl, 'platform');
    expectProblem(await injectAs(app, null, 'POST', '/api/platform/auth/login', { username: 'admin', password: 'nope' }), 401, 'INVALID_CREDENTIALS');
    expectProblem(await injectAs(app, null, 'POST', '/api/platform/auth/login', { username: 'ghost', password: 'changeme' }), 401, 'INVALID_CREDENTIALS');
    // a brand admin is not a platform admin
    expectProblem(await injectAs(app, null, 'POST', '/api/platform/auth/login', { username: 'opa', password: 'secret-a1' }), 401, 'INVALID_CREDENTIALS');
    expectProblem(await injectAs(app, null, 'POST', '/api/platform/auth/login', { username: 'admin', password: 'changeme', extra: 1 }), 400, 'VALIDATION_FAILED', '/extra');
    expectProblem(await injectAs(app, null, 'POST', '/api/platform/auth/login', { username: 'admin' }), 400, 'VALIDATION_FAILED', '/password');
    // the user level has the route shape; users come later
    expectProblem(await injectAs(app, null, 'POST', '/api/user/auth/login', { email: 'a@b.example', password: 'x' }), 401, 'INVALID_CREDENTIALS');
  });

  it('resolves the brand from the portal URL in Host, or from brandId', async () => {
    ok(await injectAs(app, w.god, 'POST', '/api/platform/portal-urls', { kind: 'brand', brandId: w.brandA, url: 'https://portal.brand-a.example.com' }), 201);
    // same username in brand B: the name alone is ambiguous
    ok(await injectAs(app, w.god, 'POST', '/api/platform/administrators', { brandId: w.brandB, username: 'twin', password: 'password-b' }), 201);
    ok(await injectAs(app, w.god, 'POST', '/api/platform/administrators', { brandId: w.brandA, username: 'twin', password: 'password-a' }), 201);
    expectProblem(await injectAs(app, null, 'POST', '/api/brand/auth/login', { username: 'twin', password: 'password-a' }), 401, 'INVALID_CREDENTIALS');
    const viaHost = ok(await injectAs(app, null, 'POST', '/api/brand/auth/login', { username: 'twin', password: 'password-a' }, { host: 'portal.brand-a.example.com' }));
    assert.equal(claims(viaHost.token).bid, w.brandA);
    const viaId = ok(await injectAs(app, null, 'POST', '/api/brand/auth/login', { username: 'twin', password: 'password-b', brandId: w.brandB }));
    assert.equal(claims(viaId.token).bid, w.brandB);
    const clients = ok(await injectAs(app, viaId.token, 'GET', '/api/brand/clients'));
    assert.deepEqual(clients.items.map((c: { id: number }) => c.id), [w.clientB]);
  });

  it('tokens only work at their level; missing or forged tokens are 401', async () => {
    expectProblem(await injectAs(app, w.brandTokenA, 'GET', '/api/platform/brands'), 401, 'TOKEN_INVALID');
    expectProblem(await injectAs(app, w.god, 'GET', '/api/brand/clients'), 401, 'TOKEN_INVALID');
    expectProblem(await injectAs(app, null, 'GET', '/api/platform/brands'), 401, 'UNAUTHENTICATED');
    const [h, p] = w.god.split('.');
    expectProblem(await injectAs(app, `${h}.${p}.AAAA`, 'GET', '/api/platform/brands'), 401, 'TOKEN_INVALID');
  });

  it('access tokens expire after 1 h; refresh rotates; a reused refresh token ends the session', async () => {
    const pair = await loginPair(app, 'platform', 'admin', 'changeme');
    clock += 3601 * 1000;
    expectProblem(await injectAs(app, pair.token, 'GET', '/api/platform/brands'), 401, 'TOKEN_INVALID');
    const next = ok(await injectAs(app, null, 'POST', '/api/platform/auth/refresh', { refreshToken: pair.refreshToken }));
    assert.notEqual(next.refreshToken, pair.refreshToken);
    ok(await injectAs(app, next.token, 'GET', '/api/platform/brands'));
    // IvozProvider alias and field name
    const third = ok(await injectAs(app, null, 'POST', '/api/platform/token/refresh', { refresh_token: next.refreshToken }));
    ok(await injectAs(app, third.token, 'GET', '/api/platform/brands'));
    // replaying a spent refresh token revokes the session: the live access token dies too
    expectProblem(await injectAs(app, null, 'POST', '/api/platform/auth/refresh', { refreshToken: pair.refreshToken }), 401, 'TOKEN_INVALID');
    expectProblem(await injectAs(app, third.token, 'GET', '/api/platform/brands'), 401, 'TOKEN_INVALID');
    expectProblem(await injectAs(app, null, 'POST', '/api/platform/auth/refresh', { refreshToken: third.refreshToken }), 401, 'TOKEN_INVALID');
    w.god = await login(app, 'platform', 'admin', 'changeme');
    w.brandTokenA = await login(app, 'brand', 'opa', 'secret-a1', { brandId: w.brandA });
    w.clientTokenA = await login(app, 'client', 'cla', 'secret-a2', { brandId: w.brandA });
    w.brandTokenB = await login(app, 'brand', 'opb', 'secret-b1', { brandId: w.brandB });
    w.clientTokenB = await login(app, 'client', 'clb', 'secret-b2', { brandId: w.brandB });
  });

  it('logout revokes the session', async () => {
    const pair = await loginPair(app, 'brand', 'opa', 'secret-a1', { brandId: w.brandA });
    ok(await injectAs(app, pair.token, 'GET', '/api/brand/clients'));
    assert.equal((await injectAs(app, pair.token, 'POST', '/api/brand/auth/logout')).status, 204);
    expectProblem(await injectAs(app, pair.token, 'GET', '/api/brand/clients'), 401, 'TOKEN_INVALID');
    expectProblem(await injectAs(app, null, 'POST', '/api/brand/auth/refresh', { refreshToken: pair.refreshToken }), 401, 'TOKEN_INVALID');
  });

  it('inactive administrators cannot log in and lose their sessions', async () => {
    const pair = await loginPair(app, 'client', 'clb', 'secret-b2', { brandId: w.brandB });
    ok(await injectAs(app, w.god, 'PATCH', `/api/platform/administrators/${w.clientAdminB}`, { active: false }));
    expectProblem(await injectAs(app, pair.token, 'GET', '/api/client/clients'), 401, 'TOKEN_INVALID');
    expectProblem(await injectAs(app, null, 'POST', '/api/client/auth/login', { username: 'clb', password: 'secret-b2', brandId: w.brandB }), 401, 'INVALID_CREDENTIALS');
    ok(await injectAs(app, w.god, 'PATCH', `/api/platform/administrators/${w.clientAdminB}`, { active: true }));
  });

  it('exchange platform → brand → client, with the chain in the token and the audit log (S44)', async () => {
    const brandTok = ok(await injectAs(app, w.god, 'POST', '/api/brand/token/exchange', { brandId: w.brandA })).token as string;
    const c = claims(brandTok);
    assert.equal(c.lvl, 'brand');
    assert.equal(c.bid, w.brandA);
    assert.deepEqual((c.act as { lvl: string }).lvl, 'platform');
    const clients = ok(await injectAs(app, brandTok, 'GET', '/api/brand/clients'));
    assert.deepEqual(clients.items.map((x: { id: number }) => x.id), [w.clientA], 'companies of brand A only');
    const ld = ok(await injectAs(app, brandTok, 'GET', '/api/brand/administrators', undefined, { accept: 'application/ld+json' }));
    assert.equal(ld['@type'], 'hydra:Collection');
    assert.ok(ld['hydra:member'].every((m: { '@id': string }) => m['@id'].startsWith('/api/brand/administrators/')));

    const clientTok = ok(await injectAs(app, brandTok, 'POST', '/api/client/auth/exchange', { clientId: w.clientA })).token as string;
    assert.equal(claims(clientTok).cid, w.clientA);
    const created = ok(await injectAs(app, clientTok, 'POST', '/api/client/administrators', { username: 'emulated', password: 'password9' }), 201);
    const audit = ok(await injectAs(app, w.god, 'GET', `/api/platform/audit-log?resource=administrators&rowId=${created.id}`));
    assert.equal(audit.total, 1);
    const e = audit.items[0];
    assert.equal(e.level, 'client');
    assert.equal(e.action, 'create');
    assert.equal(e.username, 'admin');
    assert.deepEqual(e.chain.map((l: { level: string }) => l.level), ['platform', 'brand']);
    assert.equal(e.after.password, '[redacted]');
    assert.equal(JSON.stringify(e).includes('scrypt$'), false, 'no hash in the audit log');
    const exchanges = ok(await injectAs(app, w.god, 'GET', '/api/platform/audit-log?action=exchange'));
    assert.ok(exchanges.total >= 2);

    // exchange by brand admin username: act as that admin
    const asOpa = ok(await injectAs(app, w.god, 'POST', '/api/brand/auth/exchange', { username: 'opa' })).token as string;
    assert.equal(claims(asOpa).sub, String(w.brandAdminA));
    // a brand token cannot emulate another brand's client; a client token cannot exchange
    expectProblem(await injectAs(app, w.brandTokenA, 'POST', '/api/client/auth/exchange', { clientId: w.clientB }), 404, 'NOT_FOUND');
    expectProblem(await injectAs(app, w.clientTokenA, 'POST', '/api/client/auth/exchange', { clientId: w.clientA }), 401, 'TOKEN_INVALID');
    expectProblem(await injectAs(app, w.brandTokenA, 'POST', '/api/brand/auth/exchange', { brandId: w.brandB }), 401, 'TOKEN_INVALID');
  });

  it('S44 end to end: admin_login, brands, token/exchange, companies of that brand only, expiry, token/refresh, Hydra', async () => {
    // 1. Platform login under the IvozProvider path name: token + refresh_token.
    const god = ok(await injectAs(app, null, 'POST', '/api/platform/admin_login', { username: 'admin', password: 'changeme' }));
    assert.equal(typeof god.token, 'string');
    assert.equal(typeof god.refresh_token, 'string');
    // 2. Find brand A's id in the platform brand list.
    const brands = ok(await injectAs(app, god.token, 'GET', '/api/platform/brands?pageSize=100')).items as Array<{ id: number; name: string }>;
    const n = brands.find((x) => x.name === 'Brand A')?.id;
    assert.equal(n, w.brandA);
    // 3. Emulate brand N.
    const ex = ok(await injectAs(app, god.token, 'POST', '/api/brand/token/exchange', { brandId: n }));
    assert.equal(claims(ex.token).lvl, 'brand');
    assert.equal(claims(ex.token).bid, n);
    // 4. Companies (= clients) of brand N only; the alias serves the same rows as /clients and hides brand B's.
    const companies = ok(await injectAs(app, ex.token, 'GET', '/api/brand/companies'));
    assert.deepEqual(companies.items.map((c: { id: number }) => c.id), [w.clientA]);
    assert.deepEqual(companies, ok(await injectAs(app, ex.token, 'GET', '/api/brand/clients')));
    assert.equal(ok(await injectAs(app, ex.token, 'GET', `/api/brand/companies/${w.clientA}`)).name, 'Client A');
    expectProblem(await injectAs(app, ex.token, 'GET', `/api/brand/companies/${w.clientB}`), 404, 'NOT_FOUND');
    expectProblem(await injectAs(app, ex.token, 'PATCH', `/api/brand/companies/${w.clientB}`, { name: 'taken over' }), 404, 'NOT_FOUND');
    const made = await injectAs(app, ex.token, 'POST', '/api/brand/companies', { type: 'retail', name: 'S44 retail' });
    assert.equal(ok(made, 201).brandId, n);
    assert.equal(made.headers.location, `/api/brand/companies/${made.body.id}`);
    assert.equal((await injectAs(app, ex.token, 'DELETE', `/api/brand/companies/${made.body.id}`)).status, 204);
    const all = ok(await injectAs(app, god.token, 'GET', '/api/platform/companies?pageSize=500'));
    assert.ok(all.items.some((c: { id: number }) => c.id === w.clientB), 'the platform sees every brand\'s companies');
    assert.deepEqual(all, ok(await injectAs(app, god.token, 'GET', '/api/platform/clients?pageSize=500')));
    assert.equal((await injectAs(app, w.clientTokenA, 'GET', '/api/client/companies')).status, 404, 'no alias at client level');
    // 5. A token older than 1 h is rejected (same session and claims, issued 3601 s ago); 3599 s old still works.
    expectProblem(await injectAs(app, aged(ex.token, 3601), 'GET', '/api/brand/companies'), 401, 'TOKEN_INVALID');
    ok(await injectAs(app, aged(ex.token, 3599), 'GET', '/api/brand/companies'));
    // 6. /token/refresh with the refresh token → a new token for the same brand.
    clock += 1000; // the test clock stands still: move it so the new token's iat differs
    const next = ok(await injectAs(app, null, 'POST', '/api/brand/token/refresh', { refresh_token: ex.refresh_token }));
    assert.notEqual(next.token, ex.token);
    assert.notEqual(next.refresh_token, ex.refresh_token);
    assert.equal(claims(next.token).bid, n);
    assert.equal(ok(await injectAs(app, next.token, 'GET', '/api/brand/companies')).total, 1);
    // 7. JSON-LD: lists come back as a Hydra collection of the same page.
    for (const [tok, url] of [[next.token, '/api/brand/companies'], [god.token, '/api/platform/administrators']] as const) {
      const r = await injectAs(app, tok, 'GET', url, undefined, { accept: 'application/ld+json' });
      assert.match(String(r.headers['content-type']), /^application\/ld\+json/);
      const ld = ok(r);
      assert.equal(ld['@type'], 'hydra:Collection');
      assert.equal(ld['@id'], url);
      const plain = ok(await injectAs(app, tok, 'GET', url));
      assert.equal(ld['hydra:totalItems'], plain.total);
      assert.deepEqual(ld['hydra:member'].map((m: { '@id': string }) => m['@id']), plain.items.map((i: { id: number }) => `${url}/${i.id}`));
    }
  });

  it('restricted platform admins: API read-only until granted, portal login refused (S45)', async () => {
    const id = ok(await injectAs(app, w.god, 'POST', '/api/platform/administrators', { username: 'ro', password: 'password1', restricted: true }), 201).id;
    expectProblem(await injectAs(app, null, 'POST', '/api/platform/auth/login', { username: 'ro', password: 'password1', portal: true }), 403, 'RESTRICTED_PORTAL');
    const t = await login(app, 'platform', 'ro', 'password1');
    ok(await injectAs(app, t, 'GET', '/api/platform/brands'));
    expectProblem(await injectAs(app, t, 'POST', '/api/platform/corporations', { brandId: w.brandA, name: 'RO corp' }), 403, 'PRIVILEGE_REQUIRED');
    expectProblem(await injectAs(app, t, 'DELETE', `/api/platform/corporations/${w.corpA}`), 403, 'PRIVILEGE_REQUIRED');
    // a restricted admin cannot grant itself privileges
    expectProblem(await injectAs(app, t, 'POST', '/api/platform/administrator-privileges', { administratorId: id, resource: 'corporations', canCreate: true }), 403, 'PRIVILEGE_REQUIRED');
    ok(await injectAs(app, w.god, 'POST', '/api/platform/administrator-privileges', { administratorId: id, resource: 'corporations', canCreate: true }), 201);
    ok(await injectAs(app, t, 'POST', '/api/platform/corporations', { brandId: w.brandA, name: 'RO corp' }), 201);
    expectProblem(await injectAs(app, t, 'PATCH', `/api/platform/corporations/${w.corpA}`, { description: 'x' }), 403, 'PRIVILEGE_REQUIRED');
    // back to unrestricted: full access at once, with the same token
    ok(await injectAs(app, w.god, 'PATCH', `/api/platform/administrators/${id}`, { restricted: false }));
    ok(await injectAs(app, t, 'PATCH', `/api/platform/corporations/${w.corpA}`, { description: 'x' }));
    ok(await injectAs(app, null, 'POST', '/api/platform/auth/login', { username: 'ro', password: 'password1', portal: true }));
  });

  it('restricted client admins keep the portal; revoking read hides a resource', async () => {
    const id = ok(await injectAs(app, w.brandTokenA, 'POST', '/api/brand/administrators', { clientId: w.clientA, username: 'rca', password: 'password1', restricted: true }), 201).id;
    const t = await login(app, 'client', 'rca', 'password1', { brandId: w.brandA, portal: true });
    ok(await injectAs(app, t, 'GET', '/api/client/authorized-sources'));
    ok(await injectAs(app, w.clientTokenA, 'POST', '/api/client/administrator-privileges', { administratorId: id, resource: 'authorizedSources', canRead: false }), 201);
    expectProblem(await injectAs(app, t, 'GET', '/api/client/authorized-sources'), 403, 'PRIVILEGE_REQUIRED');
    ok(await injectAs(app, t, 'GET', '/api/client/clients'));
    // S45 example: revoke all, then enable read on one resource only
    ok(await injectAs(app, w.clientTokenA, 'POST', `/api/client/administrators/${id}/privileges/revoke-all`));
    expectProblem(await injectAs(app, t, 'GET', '/api/client/clients'), 403, 'PRIVILEGE_REQUIRED');
    expectProblem(await injectAs(app, t, 'GET', '/api/client/countries'), 403, 'PRIVILEGE_REQUIRED');
    const row = ok(await injectAs(app, w.clientTokenA, 'GET', `/api/client/administrator-privileges?administratorId=${id}&resource=authorizedSources`)).items[0];
    ok(await injectAs(app, w.clientTokenA, 'PATCH', `/api/client/administrator-privileges/${row.id}`, { canRead: true }));
    ok(await injectAs(app, t, 'GET', '/api/client/authorized-sources'));
    expectProblem(await injectAs(app, t, 'GET', '/api/client/clients'), 403, 'PRIVILEGE_REQUIRED');
    ok(await injectAs(app, w.clientTokenA, 'POST', `/api/client/administrators/${id}/privileges/grant-all`));
    ok(await injectAs(app, t, 'POST', '/api/client/administrators', { username: 'made-by-rca', password: 'password1' }), 201);
    // other brands' admins are not found; nobody changes their own privileges
    expectProblem(await injectAs(app, w.brandTokenB, 'POST', `/api/brand/administrators/${id}/privileges/grant-all`), 404, 'NOT_FOUND');
    expectProblem(await injectAs(app, w.clientTokenA, 'POST', `/api/client/administrators/${w.clientAdminA}/privileges/revoke-all`), 403, 'FORBIDDEN');
    // restricted brand admins are refused at the portal
    ok(await injectAs(app, w.god, 'POST', '/api/platform/administrators', { brandId: w.brandA, username: 'rba', password: 'password1', restricted: true }), 201);
    expectProblem(await injectAs(app, null, 'POST', '/api/brand/auth/login', { username: 'rba', password: 'password1', brandId: w.brandA, portal: true }), 403, 'RESTRICTED_PORTAL');
  });
}, { fresh: 'suite' });
