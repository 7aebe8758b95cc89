// Test helpers for API suites: build a server on a store, seed a platform admin, log in, inject as a token, and
// assert problem+json answers. Keeps tests short (fastify/demo's `login` / `injectWithLogin` pattern).
import assert from 'node:assert/strict';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Store } from '../../src/store/db.ts';
import { buildApiServer, type ApiConfig } from '../../src/api/server.ts';
import { hashPassword } from '../../src/api/auth/passwords.ts';

export const TEST_SECRET = 'test-secret-0123456789abcdef';
export type Level = 'platform' | 'brand' | 'client' | 'user';

/** scrypt with a low cost factor: tests log in often. Production hashes use the defaults. */
export function cheapHash(pw: string): Promise<string> {
  return hashPassword(pw, { N: 1024, r: 8, p: 1 });
}

export async function buildTestApi(store: Store, config: Partial<ApiConfig> = {}): Promise<FastifyInstance> {
  return buildApiServer({ store, config: { jwtSecret: TEST_SECRET, passwordHashCost: { N: 1024, r: 8, p: 1 }, ...config } });
}

/** Inserts a platform administrator directly (the bootstrap path the CLI uses). */
export async function seedPlatformAdmin(store: Store, username = 'admin', password = 'changeme', restricted = false): Promise<number> {
  const row = await store.db
    .insertInto('administrators')
    .values({ level: 'platform', username, passwordHash: await cheapHash(password), restricted })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export interface Res {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  headers: LightMyRequestResponse['headers'];
}

function wrap(r: LightMyRequestResponse): Res {
  let body: unknown = r.body;
  if (r.body.length > 0 && /json/.test(String(r.headers['content-type'] ?? ''))) body = JSON.parse(r.body);
  return { status: r.statusCode, body, headers: r.headers };
}

/** Sends a request with a bearer token (or none when `token` is null). */
export async function injectAs(
  app: FastifyInstance,
  token: string | null,
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Res> {
  const r = await app.inject({
    method,
    url,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    ...(body === undefined ? {} : { payload: body as object }),
  });
  return wrap(r);
}

/** Logs in and returns the token pair; fails the test on anything but 200. */
export async function loginPair(
  app: FastifyInstance,
  level: Level,
  username: string,
  password: string,
  extra: Record<string, unknown> = {},
): Promise<{ token: string; refreshToken: string }> {
  const r = await injectAs(app, null, 'POST', `/api/${level}/auth/login`, { username, password, ...extra });
  assert.equal(r.status, 200, `login ${level}/${username}: ${JSON.stringify(r.body)}`);
  return r.body;
}

export async function login(app: FastifyInstance, level: Level, username: string, password: string, extra: Record<string, unknown> = {}): Promise<string> {
  return (await loginPair(app, level, username, password, extra)).token;
}

/** Asserts an RFC 9457 problem with `status` and `code`; with `field`, that one error names that JSON Pointer. */
export function expectProblem(res: Res, status: number, code: string, field?: string): void {
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status}: ${JSON.stringify(res.body)}`);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  assert.equal(res.body.code, code, JSON.stringify(res.body));
  assert.equal(res.body.status, status);
  assert.equal(typeof res.body.title, 'string');
  assert.equal(typeof res.body.type, 'string');
  if (field !== undefined) {
    const fields = (res.body.errors ?? []).map((e: { field: string }) => e.field);
    assert.ok(fields.includes(field), `expected an error on ${field}, got ${JSON.stringify(res.body.errors)}`);
  }
}

/** Asserts a 2xx and returns the body. */
export function ok(res: Res, status = 200): any { // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Two brands (A, B), each with a brand admin, a corporation, a vPBX client with a client admin and an authorized source. */
export interface World {
  god: string;
  brandA: number;
  brandB: number;
  clientA: number;
  clientB: number;
  corpA: number;
  corpB: number;
  sourceA: number;
  sourceB: number;
  brandAdminA: number;
  brandAdminB: number;
  clientAdminA: number;
  clientAdminB: number;
  /** tokens */
  brandTokenA: string;
  brandTokenB: string;
  clientTokenA: string;
  clientTokenB: string;
}

export async function seedWorld(app: FastifyInstance, store: Store): Promise<World> {
  await seedPlatformAdmin(store);
  const god = await login(app, 'platform', 'admin', 'changeme');
  const mk = async (url: string, body: unknown) => ok(await injectAs(app, god, 'POST', url, body), 201).id as number;
  const features = ['vpbx', 'retail', 'residential', 'wholesale', 'billing', 'recordings', 'faxes', 'queues'];
  const brandA = await mk('/api/platform/brands', { name: 'Brand A', features, domain: 'sip.brand-a.example.com' });
  const brandB = await mk('/api/platform/brands', { name: 'Brand B', features, domain: 'sip.brand-b.example.com' });
  const corpA = await mk('/api/platform/corporations', { brandId: brandA, name: 'Corp A' });
  const corpB = await mk('/api/platform/corporations', { brandId: brandB, name: 'Corp B' });
  const clientA = await mk('/api/platform/clients', { brandId: brandA, type: 'vpbx', name: 'Client A', domain: 'a.pbx.example.com', corporationId: corpA });
  const clientB = await mk('/api/platform/clients', { brandId: brandB, type: 'vpbx', name: 'Client B', domain: 'b.pbx.example.com', corporationId: corpB });
  const sourceA = await mk('/api/platform/authorized-sources', { clientId: clientA, ip: '192.0.2.0/24' });
  const sourceB = await mk('/api/platform/authorized-sources', { clientId: clientB, ip: '198.51.100.7' });
  const brandAdminA = await mk('/api/platform/administrators', { brandId: brandA, username: 'opa', password: 'secret-a1' });
  const brandAdminB = await mk('/api/platform/administrators', { brandId: brandB, username: 'opb', password: 'secret-b1' });
  const clientAdminA = await mk('/api/platform/administrators', { clientId: clientA, username: 'cla', password: 'secret-a2' });
  const clientAdminB = await mk('/api/platform/administrators', { clientId: clientB, username: 'clb', password: 'secret-b2' });
  return {
    god, brandA, brandB, clientA, clientB, corpA, corpB, sourceA, sourceB, brandAdminA, brandAdminB, clientAdminA, clientAdminB,
    brandTokenA: await login(app, 'brand', 'opa', 'secret-a1', { brandId: brandA }),
    brandTokenB: await login(app, 'brand', 'opb', 'secret-b1', { brandId: brandB }),
    clientTokenA: await login(app, 'client', 'cla', 'secret-a2', { brandId: brandA }),
    clientTokenB: await login(app, 'client', 'clb', 'secret-b2', { brandId: brandB }),
  };
}
