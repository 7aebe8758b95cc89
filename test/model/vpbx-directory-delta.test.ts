// Incremental directory reloads (src/store/directory/load.ts): after API writes to users, terminals and extensions
// the directory re-reads only the changed rows and what hangs on them. The check: after every write of a seeded
// random sequence (creates, renames, re-links, swaps, deletes, failed writes), the directory equals a full load of
// the same store, map by map, and got there by a delta; writes it cannot follow by rows (a client's domain, a gap in
// the change log) make it load everything, and it still equals a full load.
import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { forEachBackend } from '../support/stores.ts';
import { buildTestApi, injectAs, ok, seedWorld, type World } from '../support/api.ts';
import { configureSipSecretKey } from '../../src/store/secrets/sip-secret.ts';
import { Directory, readDirectoryVersion } from '../../src/store/directory/index.ts';
import { loadSnapshot, type Snapshot } from '../../src/store/directory/load.ts';

/** mulberry32: a reproducible sequence for a given seed */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
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
    await dir.waitForVersion(await readDirectoryVersion(b.store.db));
  }

  async function assertEqualsFullLoad(what: string): Promise<void> {
    await caughtUp();
    const full = await loadSnapshot(b.store.db);
    const mine: Snapshot = dir.snapshot;
    assert.equal(mine.version, full.version, what);
    for (const k of ['domains', 'clients', 'terminals', 'terminalsById', 'users', 'extensions', 'extensionsById', 'screenExtensionIds', 'userIdByTerminal'] as const) {
      assert.deepStrictEqual(mine[k], full[k], `${what}: ${k}`);
    }
  }

  it('follows a random sequence of writes by deltas and always equals a full load', async () => {
    const rnd = seededRandom(20261124);
    const pick = <T>(xs: readonly T[]): T | undefined => (xs.length === 0 ? undefined : xs[Math.floor(rnd() * xs.length)]);
    const tok = w.clientTokenA;
    const terminals: number[] = [];
    const users: number[] = [];
    const extensions: number[] = [];
    const name = () => `t${Math.floor(rnd() * 40)}`; // a small name space: renames collide and get refused
    const number = () => String(100 + Math.floor(rnd() * 30));
    const fullBefore = dir.reloadCount - dir.deltaCount;
    let applied = 0;
    const outcomes: Record<string, [number]> = {};
    const reached = new Set<string>();
    for (let step = 0; step < 80; step++) {
      const r = rnd();
      let what: string;
      let res;
      if (r < 0.12) {
        what = 'create terminal';
        res = await injectAs(app, tok, 'POST', '/api/client/terminals', { name: name(), password: 'pw' });
        if (res.status === 201) terminals.push(res.body.id);
      } else if (r < 0.24) {
        what = 'create extension';
        res = await injectAs(app, tok, 'POST', '/api/client/extensions', { number: number() });
        if (res.status === 201) extensions.push(res.body.id);
      } else if (r < 0.36) {
        what = 'create user';
        const body: Record<string, unknown> = { name: `U${step}`, email: `u${step}@a.example` };
        if (rnd() < 0.7) body.terminalId = pick(terminals);
        if (rnd() < 0.5) body.screenExtensionId = pick(extensions);
        res = await injectAs(app, tok, 'POST', '/api/client/users', body);
        if (res.status === 201) users.push(res.body.id);
      } else if (r < 0.5) {
        what = 'patch user';
        const u = pick(users);
        if (u === undefined) continue;
        const body: Record<string, unknown> = {};
        const f = rnd();
        if (f < 0.25) body.terminalId = rnd() < 0.3 ? null : pick(terminals);
        else if (f < 0.5) body.screenExtensionId = rnd() < 0.3 ? null : pick(extensions);
        else if (f < 0.75) body.lastname = `L${step}`;
        else body.doNotDisturb = rnd() < 0.5;
        res = await injectAs(app, tok, 'PATCH', `/api/client/users/${u}`, body);
      } else if (r < 0.62) {
        what = 'patch terminal';
        const t = pick(terminals);
        if (t === undefined) continue;
        res = await injectAs(app, tok, 'PATCH', `/api/client/terminals/${t}`, rnd() < 0.5 ? { name: name() } : { password: `pw${step}` });
      } else if (r < 0.76) {
        what = 'patch extension';
        const e = pick(extensions);
        if (e === undefined) continue;
        const u = pick(users);
        res = await injectAs(app, tok, 'PATCH', `/api/client/extensions/${e}`,
          rnd() < 0.5 || u === undefined ? { number: number() } : { routeType: 'user', userId: u });
      } else if (r < 0.84) {
        what = 'delete extension';
        const e = pick(extensions);
        if (e === undefined) continue;
        res = await injectAs(app, tok, 'DELETE', `/api/client/extensions/${e}`);
        if (res.status === 204) extensions.splice(extensions.indexOf(e), 1);
      } else if (r < 0.92) {
        what = 'delete user';
        const u = pick(users);
        if (u === undefined) continue;
        res = await injectAs(app, tok, 'DELETE', `/api/client/users/${u}`);
        if (res.status === 204) users.splice(users.indexOf(u), 1);
      } else {
        what = 'delete terminal';
        const t = pick(terminals);
        if (t === undefined) continue;
        res = await injectAs(app, tok, 'DELETE', `/api/client/terminals/${t}`);
        if (res.status === 204) terminals.splice(terminals.indexOf(t), 1);
      }
      assert.ok(res.status < 500, `${what}: ${res.status} ${JSON.stringify(res.body)}`);
      if (res.status < 300) applied++;
      (outcomes[`${what} ${res.status}`] ??= [0])[0]++;
      await assertEqualsFullLoad(`step ${step} (${what} → ${res.status})`);
      const snap = dir.snapshot;
      if ([...snap.terminalsById.values()].some((t) => t.user !== null)) reached.add('terminal with a user');
      if ([...snap.users.values()].some((u) => u.screenExtension !== null)) reached.add('user with a screen extension');
      if ([...snap.extensionsById.values()].some((e) => e.target.type === 'user')) reached.add('extension routed to a user');
    }
    assert.ok(applied >= 40, `only ${applied} writes applied: the sequence tests too little ${JSON.stringify(outcomes)}`);
    assert.equal(dir.reloadCount - dir.deltaCount, fullBefore, 'every reload was a delta');
    // a guard against a sequence that never exercises the links
    assert.deepEqual([...reached].sort(), ['extension routed to a user', 'terminal with a user', 'user with a screen extension'], JSON.stringify(outcomes));
  });

  it('a client domain change is a full load, and the result still equals one', async () => {
    const full = dir.reloadCount - dir.deltaCount;
    ok(await injectAs(app, w.god, 'PATCH', `/api/platform/clients/${w.clientA}`, { domain: 'moved.pbx.example.com' }));
    await assertEqualsFullLoad('client domain');
    assert.equal(dir.reloadCount - dir.deltaCount, full + 1);
  });

  it('a gap in the change log (pruned, or older than the log) is a full load', async () => {
    const t = ok(await injectAs(app, w.clientTokenA, 'POST', '/api/client/terminals', { name: 'gap1', password: 'pw' }), 201);
    await caughtUp();
    const full = dir.reloadCount - dir.deltaCount;
    // a writer the log does not know: the version moves, no row says what changed
    await sql`update vpbx_directory_version set version = version + 1 where id = 1`.execute(b.store.db);
    await sql`update terminals set name = 'gap2' where id = ${t.id}`.execute(b.store.db);
    await dir.refreshIfChanged();
    await assertEqualsFullLoad('gap');
    assert.ok(dir.terminal('moved.pbx.example.com', 'gap2'));
    assert.equal(dir.reloadCount - dir.deltaCount, full + 1);
  });
}, { fresh: 'suite' });
