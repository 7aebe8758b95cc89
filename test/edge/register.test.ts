// Users edge registrar through real sockets: digest (SHA-256 and MD5), expiry bounds, several contacts,
// unregister, Call-ID/CSeq ordering, expiry, the registrations mirror, and the rejections (wrong password,
// unknown user, unknown domain, malformed) with the same answers for unknown users as for wrong passwords.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { DigestClient } from '../../src/sip/digest/client.ts';
import { parseChallenge } from '../../src/sip/digest/header.ts';
import { aorOf } from '../../src/edge/users/index.ts';
import { DOMAIN, register, request, startEdgeWorld, type EdgeWorld } from './support.ts';

describe('users edge: registrar', () => {
  let W: EdgeWorld;
  before(async () => {
    W = await startEdgeWorld();
  });
  after(async () => {
    await W.close();
  });
  const edgeUdp = () => ({ transport: 'UDP' as const, ...W.edge.address('UDP')! });

  it('registers with SHA-256 digest (401 then 200), clamps the expiry, stores the real source', async () => {
    const p = await W.phone('alice');
    const r = await p.ua.register({ expires: 7200 });
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.expires, 3600, 'max expiry 3600 s');
    const b = await W.location.lookup(aorOf('alice', DOMAIN));
    assert.equal(b.length, 1);
    assert.equal(b[0]!.contact, `sip:alice@127.0.0.1:${p.port}`);
    assert.deepEqual({ ...b[0]!.flow }, { transport: 'UDP', host: '127.0.0.1', port: p.port });
    assert.equal(b[0]!.userAgent, 'test-phone/alice');
    assert.equal(b[0]!.owner.terminalId, W.terminals.alice!.id);
    // mirrored (asynchronously, coalesced) into the registrations table
    await W.edge.mirror!.flush();
    const rows = await W.store.db.selectFrom('registrations').selectAll().where('aor', '=', aorOf('alice', DOMAIN)).execute();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.received, `udp:127.0.0.1:${p.port}`);
    assert.equal(rows[0]!.terminalId, W.terminals.alice!.id);
    assert.equal(rows[0]!.userId, W.terminals.alice!.userId);
    assert.equal(rows[0]!.node, 'edge-test');
    // unregister
    const u = await p.ua.register({ expires: 0 });
    assert.ok(u.ok);
    assert.equal((await W.location.lookup(aorOf('alice', DOMAIN))).length, 0);
    await W.edge.mirror!.flush();
    assert.equal((await W.store.db.selectFrom('registrations').selectAll().where('aor', '=', aorOf('alice', DOMAIN)).execute()).length, 0);
  });

  it('challenges statelessly: no transaction waits after a 401, and a repeated REGISTER gets a fresh nonce', async () => {
    const p = await W.phone('bob');
    const callId = `${randomBytes(6).toString('hex')}@t`;
    const before = W.edge.phones.tx.stats.serverTransactions;
    const first = await request(p.stack, register({ user: 'bob', port: p.port, callId, cseq: 1, expires: 600 }), edgeUdp());
    assert.equal(first.status, 401);
    assert.equal(W.edge.phones.tx.stats.serverTransactions, before, 'the 401 left no server transaction for Timer J');
    const again = await request(p.stack, register({ user: 'bob', port: p.port, callId, cseq: 1, expires: 600 }), edgeUdp());
    assert.equal(again.status, 401);
    const nonce = (r: typeof first) => parseChallenge(r.headers.getAll('www-authenticate')[0]!)!.nonce;
    assert.notEqual(nonce(again), nonce(first));
  });

  it('answers an MD5 challenge (both algorithms offered, MD5 first for phones that read only the first)', async () => {
    const p = await W.phone('bob');
    const callId = `${randomBytes(6).toString('hex')}@t`;
    const first = await request(p.stack, register({ user: 'bob', port: p.port, callId, cseq: 1, expires: 600 }), edgeUdp());
    assert.equal(first.status, 401);
    const challenges = first.headers.getAll('www-authenticate').map((v) => parseChallenge(v)!);
    assert.deepEqual(challenges.map((c) => c.algorithm), ['MD5', 'SHA-256']);
    assert.ok(challenges.every((c) => c.realm === DOMAIN && c.qop.includes('auth')));
    const md5 = challenges.find((c) => c.algorithm === 'MD5')!;
    const second = register({ user: 'bob', port: p.port, callId, cseq: 2, expires: 600 });
    const auth = new DigestClient().answerChallenge(md5, { method: 'REGISTER', uri: second.uriText }, { username: 'bob', password: W.terminals.bob!.password })!;
    second.headers.append('Authorization', auth);
    const ok = await request(p.stack, second, edgeUdp());
    assert.equal(ok.status, 200);
    assert.match(ok.headers.get('contact')!, new RegExp(`<sip:bob@127.0.0.1:${p.port}>;expires=(600|599)`));
    // the same Call-ID with an older CSeq is refused (RFC 3261 §10.3 step 7) and changes nothing
    const old = register({ user: 'bob', port: p.port, callId, cseq: 2, expires: 0 });
    const c2 = await request(p.stack, old, edgeUdp());
    assert.equal(c2.status, 401);
    const auth2 = new DigestClient().answerChallenge(parseChallenge(c2.headers.getAll('www-authenticate')[0]!)!, { method: 'REGISTER', uri: old.uriText }, { username: 'bob', password: W.terminals.bob!.password })!;
    const old2 = register({ user: 'bob', port: p.port, callId, cseq: 2, expires: 0 });
    old2.headers.append('Authorization', auth2);
    const stale = await request(p.stack, old2, edgeUdp());
    assert.equal(stale.status, 500);
    assert.equal((await W.location.lookup(aorOf('bob', DOMAIN))).length, 1);
    // `*` with Expires: 0 removes every binding
    const star = register({ user: 'bob', port: p.port, callId, cseq: 5, expires: 0, contact: '*' });
    const c3 = await request(p.stack, star, edgeUdp());
    const star2 = register({ user: 'bob', port: p.port, callId, cseq: 6, expires: 0, contact: '*' });
    star2.headers.append('Authorization', new DigestClient().answerChallenge(parseChallenge(c3.headers.getAll('www-authenticate')[0]!)!, { method: 'REGISTER', uri: star2.uriText }, { username: 'bob', password: W.terminals.bob!.password })!);
    assert.equal((await request(p.stack, star2, edgeUdp())).status, 200);
    assert.equal((await W.location.lookup(aorOf('bob', DOMAIN))).length, 0);
  });

  it('answers the SHA-256 challenge explicitly (RFC 8760)', async () => {
    const p = await W.phone('alice');
    const callId = `${randomBytes(6).toString('hex')}@t`;
    const first = await request(p.stack, register({ user: 'alice', port: p.port, callId, cseq: 1, expires: 600 }), edgeUdp());
    const sha = first.headers.getAll('www-authenticate').map((v) => parseChallenge(v)!).find((c) => c.algorithm === 'SHA-256')!;
    const second = register({ user: 'alice', port: p.port, callId, cseq: 2, expires: 600 });
    const auth = new DigestClient().answerChallenge(sha, { method: 'REGISTER', uri: second.uriText }, { username: 'alice', password: W.terminals.alice!.password })!;
    assert.match(auth, /algorithm=SHA-256/);
    second.headers.append('Authorization', auth);
    assert.equal((await request(p.stack, second, edgeUdp())).status, 200);
    assert.equal((await W.location.lookup(aorOf('alice', DOMAIN))).length, 1);
    const third = register({ user: 'alice', port: p.port, callId, cseq: 3, expires: 0 });
    const c = await request(p.stack, third, edgeUdp());
    const fourth = register({ user: 'alice', port: p.port, callId, cseq: 4, expires: 0 });
    fourth.headers.append('Authorization', new DigestClient().answerChallenge(parseChallenge(c.headers.getAll('www-authenticate')[1]!)!, { method: 'REGISTER', uri: fourth.uriText }, { username: 'alice', password: W.terminals.alice!.password })!);
    assert.equal((await request(p.stack, fourth, edgeUdp())).status, 200);
    assert.equal((await W.location.lookup(aorOf('alice', DOMAIN))).length, 0);
  });

  it('423 Interval Too Brief with Min-Expires below 60 s, nothing registered', async () => {
    const p = await W.phone('alice');
    const r = await p.ua.register({ expires: 30 });
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.status, 423);
    assert.equal((await W.location.lookup(aorOf('alice', DOMAIN))).length, 0);
  });

  it('keeps several contacts per AoR and lists them all; expired ones disappear (fake clock)', async () => {
    const p1 = await W.phone('bob');
    const p2 = await W.phone('bob');
    assert.ok((await p1.ua.register({ expires: 120 })).ok);
    const r2 = await p2.ua.register({ expires: 600 });
    assert.ok(r2.ok);
    const contacts = r2.ok ? r2.response.headers.getAll('contact').join(',') : '';
    assert.match(contacts, new RegExp(`127.0.0.1:${p1.port}>;expires=1[12]\\d`));
    assert.match(contacts, new RegExp(`127.0.0.1:${p2.port}>;expires=(600|599)`));
    const b = await W.location.lookup(aorOf('bob', DOMAIN));
    assert.deepEqual(b.map((x) => x.flow.port), [p2.port, p1.port], 'latest first');
    W.clock.tick(121_000);
    assert.deepEqual((await W.location.lookup(aorOf('bob', DOMAIN))).map((x) => x.flow.port), [p2.port]);
    W.clock.tick(500_000);
    assert.equal((await W.location.lookup(aorOf('bob', DOMAIN))).length, 0);
  });

  it('multi contact off (carol): a new device replaces the previous binding', async () => {
    const p1 = await W.phone('carol');
    const p2 = await W.phone('carol');
    assert.ok((await p1.ua.register({ expires: 600 })).ok);
    assert.ok((await p2.ua.register({ expires: 600 })).ok);
    assert.deepEqual((await W.location.lookup(aorOf('carol', DOMAIN))).map((x) => x.flow.port), [p2.port]);
    assert.ok((await p2.ua.register({ expires: 0 })).ok);
  });

  it('wrong password: 401 then 403 "Wrong credentials", nothing registered', async () => {
    const p = await W.phone('alice', { password: 'not-the-password' });
    const r = await p.ua.register({ expires: 600 });
    assert.deepEqual(r, { ok: false, status: 403, reason: 'Wrong credentials' });
    assert.equal((await W.location.lookup(aorOf('alice', DOMAIN))).length, 0);
  });

  it('unknown user: exactly the answers of a wrong password (challenge, then 403)', async () => {
    const p = await W.phone('mallory', { password: 'whatever' });
    const callId = `${randomBytes(6).toString('hex')}@t`;
    const first = await request(p.stack, register({ user: 'mallory', port: p.port, callId, cseq: 1, expires: 600 }), edgeUdp());
    assert.equal(first.status, 401);
    assert.deepEqual(first.headers.getAll('www-authenticate').map((v) => parseChallenge(v)!.algorithm), ['MD5', 'SHA-256']);
    const r = await p.ua.register({ expires: 600 });
    assert.deepEqual(r, { ok: false, status: 403, reason: 'Wrong credentials' });
    assert.equal((await W.location.lookup(aorOf('mallory', DOMAIN))).length, 0);
  });

  it('a terminal of another client cannot register in this domain; an AoR that is not yours is refused', async () => {
    const dave = await W.phone('dave', { password: W.terminals.dave!.password });
    const r = await dave.ua.register({ expires: 600 });
    assert.deepEqual(r, { ok: false, status: 403, reason: 'Wrong credentials' }, 'dave is a terminal of b.pbx, not a.pbx');
    const ok = await W.phone('dave', { password: W.terminals.dave!.password, domain: 'b.pbx.example.com' });
    assert.ok((await ok.ua.register({ expires: 600 })).ok);
    assert.ok((await ok.ua.register({ expires: 0 })).ok);
  });

  it('unknown domain → 403 Unknown domain, before any challenge', async () => {
    const p = await W.phone('alice', { domain: 'nowhere.example.org' });
    const r = await p.ua.register({ expires: 600 });
    assert.deepEqual(r, { ok: false, status: 403, reason: 'Unknown domain' });
  });

  it('malformed request → 400 from the stack; OPTIONS to the edge → 200', async () => {
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
    try {
      const got = new Promise<string>((r) => sock.once('message', (m) => r(m.toString())));
      const port = sock.address().port;
      sock.send(`REGISTER sip:${DOMAIN} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bKbad1\r\nFrom: <sip:alice@${DOMAIN}>;tag=1\r\nTo: <sip:alice@${DOMAIN}>\r\nCall-ID: bad1\r\nCSeq: notanumber REGISTER\r\nContent-Length: 0\r\n\r\n`, W.edge.address('UDP')!.port, '127.0.0.1');
      assert.match(await got, /^SIP\/2\.0 400 /);
    } finally {
      sock.close();
    }
    const p = await W.phone('alice');
    const opt = await request(p.stack, (await import('../../src/sip/message.ts')).createRequest({
      method: 'OPTIONS',
      uri: `sip:127.0.0.1:${W.edge.address('UDP')!.port}`,
      headers: [['Max-Forwards', '70'], ['From', '<sip:monitor@127.0.0.1>;tag=m1'], ['To', `<sip:127.0.0.1>`], ['Call-ID', 'opt1'], ['CSeq', '1 OPTIONS']],
    }), edgeUdp());
    assert.equal(opt.status, 200);
  });
});
