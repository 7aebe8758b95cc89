// Incremental directory reloads (src/store/directory/load.ts): after API writes to users, terminals and extensions
// the directory re-reads only the changed rows and what hangs on them. The checks:
// - after every write of a seeded random sequence (creates, renames, re-links, deletes, failed writes) the running
//   directory equals a full load of the same store, map by map, and got there by deltas;
// - deltas spanning several writes (random batches, and the hard cases by hand: two extensions swapping numbers, a
//   terminal handed from one user to another, a row created and deleted, a screen extension deleted) applied to a
//   snapshot equal a full load;
// - what deltas cannot follow makes a full load: a client's domain, a gap in the change log, a store that went back
//   in time; edits the directory does not read move no version; demo data is seen.
import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { forEachBackend } from '../support/stores.ts';
import { buildTestApi, cheapHash, injectAs, ok, seedWorld, type Res, type World } from '../support/api.ts';
import { configureSipSecretKey } from '../../src/store/secrets/sip-secret.ts';
import { Directory, readDirectoryVersion } from '../../src/store/directory/index.ts';
import { applyDelta, loadDelta, loadSnapshot, type Snapshot } from '../../src/store/directory/load.ts';
import { loadDemoData } from '../../src/store/demo.ts';
import { apiCreateRules } from '../../src/cli/first-start.ts';
import { seededRandom } from '../support/random.ts';

const MAPS = ['domains', 'clients', 'terminals', 'terminalsById', 'users', 'extensions', 'extensionsById', 'screenExtensionIds', 'userIdByTerminal'] as const;

function assertSameSnapshot(mine: Snapshot, full: Snapshot, what: string): void {
  assert.equal(mine.version, full.version, what);
  assert.equal(mine.token, full.token, `${what}: token`);
  for (const k of MAPS) assert.deepStrictEqual(mine[k], full[k], `${what}: ${k}`);
}

/**
 * Random API writes to one client's terminals, extensions and users, from a seed. A small name and number space
 * makes renames collide (refused writes are part of the test).
 */
function randomWriter(app: FastifyInstance, token: string, seed: number) {
  const rnd = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T | undefined => (xs.length === 0 ? undefined : xs[Math.floor(rnd() * xs.length)]);
  const terminals: number[] = [];
  const users: number[] = [];
  const extensions: number[] = [];
  const name = () => `t${Math.floor(rnd() * 40)}`;
  const number = () => String(100 + Math.floor(rnd() * 30));
  let n = 0;
  const call = (method: 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown) => injectAs(app, token, method, url, body);
  /** One write; undefined when there was nothing to write to yet. */
  return async (): Promise<{ what: string; res: Res } | undefined> => {
    const step = `${seed}-${n++}`;
    const r = rnd();
    if (r < 0.12) {
      const res = await call('POST', '/api/client/terminals', { name: name(), password: 'pw' });
      if (res.status === 201) terminals.push(res.body.id);
      return { what: 'create terminal', res };
    }
    if (r < 0.24) {
      const res = await call('POST', '/api/client/extensions', { number: number() });
      if (res.status === 201) extensions.push(res.body.id);
      return { what: 'create extension', res };
    }
    if (r < 0.36) {
      const body: Record<string, unknown> = { name: `U${step}`, email: `u${step}@a.example` };
      if (rnd() < 0.7) body.terminalId = pick(terminals);
      if (rnd() < 0.5) body.screenExtensionId = pick(extensions);
      const res = await call('POST', '/api/client/users', body);
      if (res.status === 201) users.push(res.body.id);
      return { what: 'create user', res };
    }
    if (r < 0.5) {
      const u = pick(users);
      if (u === undefined) return undefined;
      const body: Record<string, unknown> = {};
      const f = rnd();
      if (f < 0.25) body.terminalId = rnd() < 0.3 ? null : pick(terminals);
      else if (f < 0.5) body.screenExtensionId = rnd() < 0.3 ? null : pick(extensions);
      else if (f < 0.75) body.lastname = `L${step}`;
      else body.doNotDisturb = rnd() < 0.5;
      return { what: 'patch user', res: await call('PATCH', `/api/client/users/${u}`, body) };
    }
    if (r < 0.62) {
      const t = pick(terminals);
      if (t === undefined) return undefined;
      return { what: 'patch terminal', res: await call('PATCH', `/api/client/terminals/${t}`, rnd() < 0.5 ? { name: name() } : { password: `pw${step}` }) };
    }
    if (r < 0.76) {
      const e = pick(extensions);
      if (e === undefined) return undefined;
      const u = pick(users);
      return { what: 'patch extension', res: await call('PATCH', `/api/client/extensions/${e}`, rnd() < 0.5 || u === undefined ? { number: number() } : { routeType: 'user', userId: u }) };
    }
    const [what, list, path] =
      r < 0.84 ? (['delete extension', extensions, 'extensions'] as const) : r < 0.92 ? (['delete user', users, 'users'] as const) : (['delete terminal', terminals, 'terminals'] as const);
    const id = pick(list);
    if (id === undefined) return undefined;
    const res = await call('DELETE', `/api/client/${path}/${id}`);
    if (res.status === 204) list.splice(list.indexOf(id), 1);
    return { what, res };
  };
}

forEachBackend('vPBX SIP directory: incremental reloads', (b) => {
  let app: FastifyInstance;
  let w: World;
  let dir: Directory;
  before(async () => {
    configureSipSecretKey(randomBytes(32).toString('base64'));
    app = await buildTestApi(b.store);
    w = await seedWorld(app, b.store);
    dir = await Directory.open(b.store.db, { pollIntervalMs: 0 });
  });
  after(async () => {
    await dir.close();
    await app.close();
  });

  async function caughtUp(): Promise<void> {
    await dir.refreshIfChanged(); // no polling here: a change signal the watcher gave up on is caught by this
    await dir.waitForVersion(await readDirectoryVersion(b.store.db));
  }

  /** Caught up, and no reload left queued (counts of full loads taken after this are this test's own). */
  async function idle(): Promise<void> {
    await caughtUp();
    await dir.reload(); // shares a queued follow-up reload, if any, and waits for it
  }

  async function assertEqualsFullLoad(what: string): Promise<void> {
    await caughtUp();
    assertSameSnapshot(dir.snapshot, await loadSnapshot(b.store.db), what);
  }

  it('follows a random sequence of writes by deltas and always equals a full load', async () => {
    const write = randomWriter(app, w.clientTokenA, 20261124);
    const fullBefore = dir.fullLoadCount;
    const outcomes: Record<string, number> = {};
    const reached = new Set<string>();
    let applied = 0;
    for (let step = 0; step < 80; step++) {
      const r = await write();
      if (!r) continue;
      assert.ok(r.res.status < 500, `${r.what}: ${r.res.status} ${JSON.stringify(r.res.body)}`);
      if (r.res.status < 300) applied++;
      outcomes[`${r.what} ${r.res.status}`] = (outcomes[`${r.what} ${r.res.status}`] ?? 0) + 1;
      await assertEqualsFullLoad(`step ${step} (${r.what} → ${r.res.status})`);
      const snap = dir.snapshot;
      if ([...snap.terminalsById.values()].some((t) => t.user !== null)) reached.add('terminal with a user');
      if ([...snap.users.values()].some((u) => u.screenExtension !== null)) reached.add('user with a screen extension');
      if ([...snap.extensionsById.values()].some((e) => e.target.type === 'user')) reached.add('extension routed to a user');
    }
    assert.ok(applied >= 40, `only ${applied} writes applied: the sequence tests too little ${JSON.stringify(outcomes)}`);
    assert.equal(dir.fullLoadCount, fullBefore, 'every reload was a delta');
    // a guard against a sequence that never exercises the links
    assert.deepEqual([...reached].sort(), ['extension routed to a user', 'terminal with a user', 'user with a screen extension'], JSON.stringify(outcomes));
  });

  it('a delta over several writes equals a full load (random batches of 1–8 writes)', async () => {
    const write = randomWriter(app, w.clientTokenA, 7);
    let multi = 0;
    for (let batch = 0; batch < 25; batch++) {
      const s0 = await loadSnapshot(b.store.db);
      const size = 1 + (batch % 8);
      for (let i = 0; i < size; i++) await write();
      const delta = await loadDelta(b.store.db, s0);
      assert.ok(delta, `batch ${batch}: a delta`);
      if (delta.version - delta.from > 1) multi++;
      assertSameSnapshot(applyDelta(s0, delta), await loadSnapshot(b.store.db), `batch ${batch}`);
    }
    assert.ok(multi >= 15, `only ${multi} batches spanned several versions`);
  });

  it('the hard cases within one delta: a number swap, a terminal handed over, created and deleted, a screen extension deleted', async () => {
    const t = w.clientTokenA;
    const post = async (path: string, body: unknown) => ok(await injectAs(app, t, 'POST', `/api/client/${path}`, body), 201).id as number;
    const patch = async (path: string, body: unknown) => ok(await injectAs(app, t, 'PATCH', `/api/client/${path}`, body));
    const del = async (path: string) => assert.equal((await injectAs(app, t, 'DELETE', `/api/client/${path}`)).status, 204);
    const e1 = await post('extensions', { number: '881' });
    const e2 = await post('extensions', { number: '882' });
    const term = await post('terminals', { name: 'handed', password: 'pw' });
    const u1 = await post('users', { name: 'Giver', email: 'giver@a.example', terminalId: term, screenExtensionId: e1 });
    const u2 = await post('users', { name: 'Taker', email: 'taker@a.example', screenExtensionId: e2 });
    const s0 = await loadSnapshot(b.store.db);
    await patch(`extensions/${e1}`, { number: '889' });
    await patch(`extensions/${e2}`, { number: '881' });
    await patch(`extensions/${e1}`, { number: '882' });
    await patch(`users/${u1}`, { terminalId: null });
    await patch(`users/${u2}`, { terminalId: term });
    const gone = await post('terminals', { name: 'brief', password: 'pw' });
    await del(`terminals/${gone}`);
    await del(`extensions/${e2}`); // u2's screen extension: SET NULL by the foreign key, no write to u2
    const delta = await loadDelta(b.store.db, s0);
    assert.ok(delta);
    const s1 = applyDelta(s0, delta);
    assertSameSnapshot(s1, await loadSnapshot(b.store.db), 'hard cases');
    assert.equal(s1.users.get(u1)?.screenExtension, '882', 'the swapped number');
    assert.equal(s1.users.get(u2)?.screenExtension, null);
    assert.equal(s1.terminalsById.get(term)?.user?.id, u2);
    assert.equal(s1.terminalsById.get(gone), undefined);
  });

  it('a client domain change is a full load; an edit of a field the directory does not read moves no version', async () => {
    await idle(); // the writes of the test before: their reloads are done
    const full = dir.fullLoadCount;
    ok(await injectAs(app, w.god, 'PATCH', `/api/platform/clients/${w.clientA}`, { domain: 'moved.pbx.example.com' }));
    await assertEqualsFullLoad('client domain');
    assert.equal(dir.fullLoadCount, full + 1);
    const v = await readDirectoryVersion(b.store.db);
    ok(await injectAs(app, w.god, 'PATCH', `/api/platform/clients/${w.clientA}`, { maxCalls: 7 }));
    ok(await injectAs(app, w.god, 'PATCH', `/api/platform/brands/${w.brandA}`, { maxCalls: 9 }));
    assert.equal(await readDirectoryVersion(b.store.db), v);
    ok(await injectAs(app, w.god, 'PATCH', `/api/platform/clients/${w.clientA}`, { name: 'Renamed' }));
    assert.equal(await readDirectoryVersion(b.store.db), v + 1, 'the name is shown by the directory');
    await assertEqualsFullLoad('client name');
  });

  it('a gap in the change log (a writer that did not log) is a full load', async () => {
    const t = ok(await injectAs(app, w.clientTokenA, 'POST', '/api/client/terminals', { name: 'gap1', password: 'pw' }), 201);
    await idle();
    const full = dir.fullLoadCount;
    await b.store.db.transaction().execute(async (trx) => {
      await sql`update vpbx_directory_version set version = version + 1 where id = 1`.execute(trx);
      await sql`update terminals set name = 'gap2' where id = ${t.id}`.execute(trx);
    });
    await assertEqualsFullLoad('gap');
    assert.ok(dir.terminal('moved.pbx.example.com', 'gap2'));
    assert.equal(dir.fullLoadCount, full + 1);
  });

  it('a store that went back in time is a full load, also once it reaches the same version numbers again', async () => {
    ok(await injectAs(app, w.clientTokenA, 'POST', '/api/client/terminals', { name: 'past1', password: 'pw' }), 201);
    await idle();
    const before = dir.snapshot; // the writes below signal the directory, which may reload meanwhile
    const v = before.version;
    // as if restored from a backup taken two versions ago, then written to twice: versions v-1 and v again, but
    // other rows (other tokens) and other data
    await sql`delete from vpbx_directory_changes where version >= ${v - 1}`.execute(b.store.db);
    await sql`update vpbx_directory_version set version = ${v - 2} where id = 1`.execute(b.store.db);
    await sql`update terminals set name = 'past2' where name = 'past1'`.execute(b.store.db);
    const tid = ok(await injectAs(app, w.clientTokenA, 'POST', '/api/client/terminals', { name: 'past3', password: 'pw' }), 201).id as number;
    ok(await injectAs(app, w.clientTokenA, 'PATCH', `/api/client/terminals/${tid}`, { password: 'pw2' }));
    assert.equal(await readDirectoryVersion(b.store.db), v);
    assert.equal(await loadDelta(b.store.db, before), null, 'the row of our version is another one');
    await dir.reload();
    await assertEqualsFullLoad('went back in time');
    assert.ok(dir.terminal('moved.pbx.example.com', 'past2'));
  });
}, { fresh: 'suite' });

forEachBackend('vPBX SIP directory: demo data', (b) => {
  it('a directory running while demo data is loaded (switchyard demo) sees its domain and the next deltas build on it', async () => {
    const dir = await Directory.open(b.store.db, { pollIntervalMs: 0 });
    try {
      const d = await loadDemoData(b.store.db, { publicUrl: 'http://localhost' }, { ...apiCreateRules, hashPassword: cheapHash });
      assert.ok(d.ok && d.created);
      await dir.refreshIfChanged();
      assert.equal(dir.domain(d.sipDomain)?.kind, 'client');
      assertSameSnapshot(dir.snapshot, await loadSnapshot(b.store.db), 'after demo data');
    } finally {
      await dir.close();
    }
  });
}, { fresh: 'suite' });
