import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../clock.ts';
import { computeHa1, computeResponse } from './algorithm.ts';
import { parseChallenge, parseCredentials, formatCredentials } from './header.ts';
import { DigestServer } from './server.ts';
import { DigestClient } from './client.ts';

// RFC 7616 §3.9.1 worked example (same inputs for both algorithms).
const RFC7616 = {
  username: 'Mufasa',
  password: 'Circle of Life',
  realm: 'http-auth@example.org',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  uri: '/dir/index.html',
};

test('RFC 7616 §3.9.1 vectors: MD5 and SHA-256 through the client', () => {
  for (const [alg, expected] of [
    ['MD5', '8ca523f5e9506fed4657c9700eebdbec'],
    ['SHA-256', '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1'],
  ] as const) {
    const client = new DigestClient({ cnonce: () => RFC7616.cnonce });
    const challenge = `Digest realm="${RFC7616.realm}", qop="auth, auth-int", algorithm=${alg}, nonce="${RFC7616.nonce}", opaque="${RFC7616.opaque}"`;
    const a = client.answer(401, [['WWW-Authenticate', challenge]], { method: 'GET', uri: RFC7616.uri }, RFC7616);
    assert.ok(a.ok);
    assert.equal(a.header, 'Authorization');
    const c = parseCredentials(a.values[0]!);
    assert.ok(c);
    assert.equal(c.response, expected);
    assert.equal(c.nc, '00000001');
    assert.equal(c.qop, 'auth');
    assert.equal(c.opaque, RFC7616.opaque);
    assert.equal(c.algorithm, alg);
  }
});

test('RFC 2617 §3.5 vector (MD5, qop=auth) and HA1-only computation', () => {
  const ha1 = computeHa1('MD5', 'Mufasa', 'testrealm@host.com', 'Circle Of Life');
  const r = computeResponse({
    algorithm: 'MD5', ha1, method: 'GET', uri: '/dir/index.html', nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
    qop: 'auth', nc: '00000001', cnonce: '0a4f113b',
  });
  assert.equal(r, '6629fae49393a05397450978507c4ef1');
});

test('challenge header parsing: quoted commas, escapes, stale, unsupported algorithm', () => {
  const c = parseChallenge('Digest realm="a\\"b, c", nonce=n1, qop="auth,auth-int", stale=TRUE, algorithm=sha-256');
  assert.ok(c);
  assert.equal(c.realm, 'a"b, c');
  assert.equal(c.nonce, 'n1');
  assert.deepEqual(c.qop, ['auth', 'auth-int']);
  assert.equal(c.stale, true);
  assert.equal(c.algorithm, 'SHA-256');
  assert.equal(parseChallenge('Digest realm="x", nonce="y", algorithm=MD5-sess')?.algorithm, undefined);
  assert.equal(parseChallenge('Basic realm="x"'), undefined);
  assert.equal(parseChallenge('Digest realm="x'), undefined);
});

function setup(opts: Partial<ConstructorParameters<typeof DigestServer>[0]> = {}) {
  const clock = new FakeClock();
  const server = new DigestServer({ realm: 'sip.example.com', secret: 's3cret', clock, nonceTtlMs: 60_000, ...opts });
  const client = new DigestClient();
  const users = new Map([['alice', 'wonderland']]);
  const lookup = (u: string) => (users.has(u) ? { password: users.get(u)! } : undefined);
  const req = { method: 'REGISTER', uri: 'sip:sip.example.com' };
  const answer = (status: 401 | 407, password = 'wonderland', stale = false) => {
    const ch = server.challenge({ proxy: status === 407, stale });
    assert.equal(ch.status, status);
    const a = client.answer(status, ch.values.map((v) => [ch.name, v] as [string, string]), req, { username: 'alice', password });
    assert.ok(a.ok);
    return a;
  };
  return { clock, server, client, lookup, req, answer };
}

test('server: SHA-256 preferred, correct password accepted, 401 → Authorization', () => {
  const { server, lookup, req, answer } = setup();
  const a = answer(401);
  assert.equal(a.header, 'Authorization');
  assert.match(a.values[0]!, /algorithm=SHA-256/);
  const r = server.verify({ method: req.method, credentials: a.values, lookup });
  assert.deepEqual(r, { ok: true, username: 'alice', realm: 'sip.example.com', algorithm: 'SHA-256' });
});

test('server: 407 → Proxy-Authorization, verified as proxy', () => {
  const { server, lookup, req, answer } = setup();
  const a = answer(407);
  assert.equal(a.header, 'Proxy-Authorization');
  assert.equal(server.verify({ method: req.method, credentials: a.values, lookup, proxy: true }).ok, true);
});

test('server: wrong password rejected with 401, unknown user same reason', () => {
  const { server, lookup, req, answer } = setup();
  const r = server.verify({ method: req.method, credentials: answer(401, 'nope').values, lookup });
  assert.equal(r.ok, false);
  assert.ok(!r.ok);
  assert.equal(r.code, 'SIP_ERR_AUTH_FAILED');
  assert.equal(r.status, 401);
  assert.equal(r.stale, false);
  const r2 = server.verify({ method: req.method, credentials: answer(401).values, lookup: () => undefined });
  assert.ok(!r2.ok);
  assert.equal(r2.code, 'SIP_ERR_AUTH_UNKNOWN_USER');
  assert.equal(r2.reason, 'Wrong Credentials');
});

test('server: expired nonce with valid credentials → stale=true; with wrong password → not stale', () => {
  const { server, lookup, req, answer, clock } = setup();
  const good = answer(401);
  const bad = answer(401, 'nope');
  clock.tick(61_000);
  const r = server.verify({ method: req.method, credentials: good.values, lookup });
  assert.ok(!r.ok);
  assert.equal(r.code, 'SIP_ERR_AUTH_STALE');
  assert.equal(r.stale, true);
  const ch = server.challenge({ stale: r.stale });
  assert.match(ch.values[0]!, /stale=true/);
  assert.equal(parseChallenge(ch.values[0]!)?.stale, true);
  const r2 = server.verify({ method: req.method, credentials: bad.values, lookup });
  assert.ok(!r2.ok);
  assert.equal(r2.stale, false);
});

test('server: forged or foreign-secret nonce rejected', () => {
  const { lookup, req, client } = setup();
  const other = new DigestServer({ realm: 'sip.example.com', secret: 'other' });
  const ch = other.challenge();
  const a = client.answer(401, ch.values.map((v) => [ch.name, v] as [string, string]), req, { username: 'alice', password: 'wonderland' });
  assert.ok(a.ok);
  const mine = new DigestServer({ realm: 'sip.example.com', secret: 's3cret' });
  const r = mine.verify({ method: req.method, credentials: a.values, lookup });
  assert.ok(!r.ok);
  assert.equal(r.code, 'SIP_ERR_AUTH_NONCE');
});

test('server: nc replay rejected, increasing nc accepted', () => {
  const { server, lookup, req, client } = setup();
  const ch = server.challenge();
  const fields = ch.values.map((v) => [ch.name, v] as [string, string]);
  const creds = { username: 'alice', password: 'wonderland' };
  const a1 = client.answer(401, fields, req, creds);
  const a2 = client.answer(401, fields, req, creds); // same nonce, nc=00000002
  assert.ok(a1.ok && a2.ok);
  assert.match(a2.values[0]!, /nc=00000002/);
  assert.equal(server.verify({ method: req.method, credentials: a1.values, lookup }).ok, true);
  const replay = server.verify({ method: req.method, credentials: a1.values, lookup });
  assert.ok(!replay.ok);
  assert.equal(replay.code, 'SIP_ERR_AUTH_REPLAY');
  assert.equal(server.verify({ method: req.method, credentials: a2.values, lookup }).ok, true);
  assert.equal(server.verify({ method: req.method, credentials: a2.values, lookup }).ok, false);
});

test('server: HA1-only storage verifies MD5 and SHA-256 answers', () => {
  for (const alg of ['MD5', 'SHA-256'] as const) {
    const clock = new FakeClock();
    const server = new DigestServer({ realm: 'r.example', secret: 'k', clock, algorithms: [alg] });
    const ha1 = { [alg]: computeHa1(alg, 'bob', 'r.example', 'pw') };
    const ch = server.challenge();
    const a = new DigestClient().answer(401, ch.values.map((v) => [ch.name, v] as [string, string]), { method: 'INVITE', uri: 'sip:x@r.example' }, { username: 'bob', ha1 });
    assert.ok(a.ok);
    const r = server.verify({ method: 'INVITE', credentials: a.values, lookup: () => ({ ha1 }) });
    assert.equal(r.ok, true, alg);
    // The HA1 of the other algorithm does not verify.
    const otherAlg = alg === 'MD5' ? 'SHA-256' : 'MD5';
    const r2 = server.verify({ method: 'INVITE', credentials: a.values, lookup: () => ({ ha1: { [otherAlg]: computeHa1(otherAlg, 'bob', 'r.example', 'pw') } }) });
    assert.equal(r2.ok, false);
  }
});

test('no-qop (RFC 2069) challenge: client omits qop/nc/cnonce; server accepts only when configured', () => {
  const clock = new FakeClock();
  const server = new DigestServer({ realm: 'r', secret: 'k', clock, qop: [] , algorithms: ['MD5'] });
  const ch = server.challenge();
  assert.doesNotMatch(ch.values[0]!, /qop/);
  const a = new DigestClient().answer(401, [[ch.name, ch.values[0]!]], { method: 'REGISTER', uri: 'sip:r' }, { username: 'u', password: 'p' });
  assert.ok(a.ok);
  assert.doesNotMatch(a.values[0]!, /qop|cnonce|nc=/);
  assert.equal(server.verify({ method: 'REGISTER', credentials: a.values, lookup: () => ({ password: 'p' }) }).ok, true);
  // A qop server refuses a no-qop answer unless allowNoQop.
  const strict = new DigestServer({ realm: 'r', secret: 'k', clock, algorithms: ['MD5'] });
  const r = strict.verify({ method: 'REGISTER', credentials: a.values, lookup: () => ({ password: 'p' }) });
  assert.ok(!r.ok);
  assert.equal(r.code, 'SIP_ERR_AUTH_QOP');
  const lax = new DigestServer({ realm: 'r', secret: 'k', clock, algorithms: ['MD5'], allowNoQop: true });
  assert.equal(lax.verify({ method: 'REGISTER', credentials: a.values, lookup: () => ({ password: 'p' }) }).ok, true);
});

test('server: method is part of the response, missing/malformed/wrong-realm credentials', () => {
  const { server, lookup, answer } = setup();
  const a = answer(401);
  assert.equal(server.verify({ method: 'INVITE', credentials: a.values, lookup }).ok, false);
  const missing = server.verify({ method: 'REGISTER', credentials: [], lookup });
  assert.ok(!missing.ok);
  assert.equal(missing.code, 'SIP_ERR_AUTH_MISSING');
  const bad = server.verify({ method: 'REGISTER', credentials: ['Digest username="x", realm="sip.example.com"'], lookup });
  assert.ok(!bad.ok);
  assert.equal(bad.code, 'SIP_ERR_AUTH_MALFORMED');
  assert.equal(bad.status, 400);
  const foreign = formatCredentials({ username: 'alice', realm: 'elsewhere', nonce: 'n', uri: 'sip:x', response: 'ab', algorithm: 'MD5' });
  const wr = server.verify({ method: 'REGISTER', credentials: [foreign], lookup });
  assert.ok(!wr.ok);
  assert.equal(wr.code, 'SIP_ERR_AUTH_REALM');
});

test('client: qop=auth-int only with a body; unsupported algorithm only → coded failure', () => {
  const client = new DigestClient({ cnonce: () => 'c' });
  const ch = 'Digest realm="r", nonce="n", qop="auth-int", algorithm=MD5';
  const body = Buffer.from('v=0\r\n');
  const a = client.answer(401, [['WWW-Authenticate', ch]], { method: 'INVITE', uri: 'sip:b@r', body }, { username: 'u', password: 'p' });
  assert.ok(a.ok);
  const c = parseCredentials(a.values[0]!)!;
  assert.equal(c.qop, 'auth-int');
  const expected = computeResponse({ algorithm: 'MD5', ha1: computeHa1('MD5', 'u', 'r', 'p'), method: 'INVITE', uri: 'sip:b@r', nonce: 'n', qop: 'auth-int', nc: '00000001', cnonce: 'c', body });
  assert.equal(c.response, expected);
  const server = new DigestServer({ realm: 'r', secret: 'k', qop: ['auth-int'], algorithms: ['MD5'] });
  const sch = server.challenge();
  const sa = new DigestClient().answer(401, [[sch.name, sch.values[0]!]], { method: 'INVITE', uri: 'sip:b@r', body }, { username: 'u', password: 'p' });
  assert.ok(sa.ok);
  assert.equal(server.verify({ method: 'INVITE', credentials: sa.values, lookup: () => ({ password: 'p' }), body }).ok, true);
  assert.equal(server.verify({ method: 'INVITE', credentials: sa.values, lookup: () => ({ password: 'p' }), body: Buffer.from('x') }).ok, false);
  const none = client.answer(401, [['WWW-Authenticate', 'Digest realm="r", nonce="n", algorithm=MD5-sess']], { method: 'X', uri: 'u' }, { username: 'u', password: 'p' });
  assert.deepEqual(none, { ok: false, code: 'SIP_ERR_AUTH_UNSUPPORTED' });
  assert.deepEqual(client.answer(401, [], { method: 'X', uri: 'u' }, { username: 'u', password: 'p' }), { ok: false, code: 'SIP_ERR_AUTH_NO_CHALLENGE' });
});
