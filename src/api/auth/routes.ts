// Auth endpoints per level: login (also `/admin_login`), refresh (also `/token/refresh`), logout, and token
// exchange for emulation (`/api/brand/auth/exchange`, `/api/client/auth/exchange`, also `/token/exchange`).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { canEmulate, type CallerContext, type Level } from '../../domain/tenancy/caller.ts';
import { ApiError, validationError, type FieldError } from '../errors.ts';
import { insertAudit } from '../audit/audit.ts';
import { DUMMY_HASH, verifyPassword } from './passwords.ts';
import { verifyUserLogin } from '../resources/users-login.ts';
import { authenticate, refreshSession, revokeSession, startSession, type TokenConfig } from './sessions.ts';

/* eslint-disable @typescript-eslint/no-explicit-any */
type AnyDb = Kysely<any>;

type BodySpec = Record<string, { type: 'string' | 'integer' | 'boolean'; required?: boolean }>;

function readBody(body: unknown, spec: BodySpec): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw validationError([{ field: '', code: 'TYPE', message: 'the body must be a JSON object' }]);
  }
  const errors: FieldError[] = [];
  const b = body as Record<string, unknown>;
  for (const [k, v] of Object.entries(b)) {
    const s = spec[k];
    if (!s) errors.push({ field: `/${k}`, code: 'UNKNOWN_FIELD', message: `unknown field ${k}` });
    else if (s.type === 'integer' ? !Number.isSafeInteger(v) : typeof v !== s.type) {
      errors.push({ field: `/${k}`, code: 'TYPE', message: `${k} must be ${s.type}` });
    }
  }
  for (const [k, s] of Object.entries(spec)) {
    if (s.required && b[k] === undefined) errors.push({ field: `/${k}`, code: 'REQUIRED', message: `${k} is required` });
  }
  if (errors.length > 0) throw validationError(errors);
  return b;
}

interface AdminRow {
  id: number;
  level: string;
  username: string;
  passwordHash: string;
  active: boolean;
  restricted: boolean;
  brandId: number | null;
  clientId: number | null;
}

/** Brand of the portal URL the request came through (`Host` header), if any. */
async function brandFromHost(db: AnyDb, host: string | undefined): Promise<number | null> {
  if (!host) return null;
  const h = host.toLowerCase();
  const rows = (await db
    .selectFrom('portalUrls')
    .select(['url', 'brandId'])
    .where('brandId', 'is not', null)
    .where((eb: any) => eb.or([eb('url', '=', `https://${h}`), eb('url', 'like', `https://${h}/%`)]))
    .execute()) as Array<{ brandId: number }>;
  const brands = new Set(rows.map((r) => r.brandId));
  return brands.size === 1 ? [...brands][0] ?? null : null;
}

export interface AuthRouteDeps {
  readonly db: AnyDb;
  readonly tokens: TokenConfig;
}

function contextOf(a: AdminRow, chain: CallerContext['chain'] = []): CallerContext {
  return {
    level: a.level as Level,
    adminId: a.id,
    brandId: a.brandId,
    clientId: a.clientId,
    userId: null,
    restricted: a.restricted,
    chain,
    username: a.username,
  };
}

async function findAdmins(db: AnyDb, level: Level, username: string, brandId: number | null): Promise<AdminRow[]> {
  let q = db.selectFrom('administrators').selectAll().where('level', '=', level).where('username', '=', username);
  if (brandId !== null) q = q.where('brandId', '=', brandId);
  return (await q.limit(2).execute()) as AdminRow[];
}

export function registerAuthRoutes(app: FastifyInstance, level: Level, deps: AuthRouteDeps): void {
  const { db, tokens } = deps;
  const base = `/api/${level}`;

  const login = async (req: FastifyRequest) => {
    if (level === 'user') {
      // seed-part2 §2.25 (S46): users log in with their email (platform-unique) and the portal password.
      const u = readBody(req.body, { email: { type: 'string', required: true }, password: { type: 'string', required: true }, portal: { type: 'boolean' } });
      const r = await verifyUserLogin(db, u.email as string, u.password as string);
      if (!r.ok) {
        req.log.warn({ level }, 'user login refused');
        throw new ApiError('INVALID_CREDENTIALS', 'invalid email or password');
      }
      return startSession(db, tokens, r.caller);
    }
    const b = readBody(req.body, {
      username: { type: 'string', required: true },
      password: { type: 'string', required: true },
      brandId: { type: 'integer' },
      portal: { type: 'boolean' },
    });
    if (level === 'platform' && b.brandId !== undefined) throw validationError([{ field: '/brandId', code: 'UNKNOWN_FIELD', message: 'platform admins have no brand' }]);
    const brandId = level === 'platform' ? null : (b.brandId as number | undefined) ?? (await brandFromHost(db, req.headers.host));
    // Without a brand (no portal URL, no brandId) a username unique among this level's admins still identifies one.
    const found = await findAdmins(db, level, b.username as string, brandId);
    const admin = found.length === 1 ? found[0] : undefined;
    const ok = await verifyPassword(b.password as string, admin?.passwordHash ?? DUMMY_HASH);
    if (!admin || !ok || !admin.active) {
      req.log.warn({ level, username: b.username }, 'login refused');
      throw new ApiError('INVALID_CREDENTIALS', 'invalid username or password');
    }
    // seed-part2 §2.28: restricted platform/brand admins are API-only; restricted client admins may use the portal.
    if (b.portal === true && admin.restricted && (level === 'platform' || level === 'brand')) {
      throw new ApiError('RESTRICTED_PORTAL');
    }
    return startSession(db, tokens, contextOf(admin));
  };
  for (const p of ['/auth/login', '/admin_login']) app.post(`${base}${p}`, login);

  const refresh = async (req: FastifyRequest) => {
    const b = readBody(req.body, { refreshToken: { type: 'string' }, refresh_token: { type: 'string' } });
    const t = (b.refreshToken ?? b.refresh_token) as string | undefined;
    if (!t) throw validationError([{ field: '/refreshToken', code: 'REQUIRED', message: 'refreshToken is required' }]);
    return refreshSession(db, tokens, t);
  };
  for (const p of ['/auth/refresh', '/token/refresh']) app.post(`${base}${p}`, refresh);

  app.post(`${base}/auth/logout`, async (req, reply) => {
    const { sid } = await authenticate(db, tokens, req.headers.authorization, [level]);
    await revokeSession(db, tokens, sid);
    return reply.code(204).send();
  });

  if (level === 'brand' || level === 'client') {
    const exchange = async (req: FastifyRequest) => {
      const from: Level[] = level === 'brand' ? ['platform'] : ['platform', 'brand'];
      const { caller } = await authenticate(db, tokens, req.headers.authorization, from);
      if (!canEmulate(caller.level, level)) throw new ApiError('FORBIDDEN', `a ${caller.level} token cannot be exchanged for ${level}`);
      if (caller.restricted) throw new ApiError('FORBIDDEN', 'restricted administrators cannot emulate');
      const link = { adminId: caller.adminId ?? 0, level: caller.level, ...(caller.username ? { username: caller.username } : {}) };
      const chain = [...caller.chain, link];
      let ctx: CallerContext;
      if (level === 'brand') {
        const b = readBody(req.body, { brandId: { type: 'integer' }, username: { type: 'string' } });
        if (b.brandId === undefined && b.username === undefined) {
          throw validationError([{ field: '/brandId', code: 'REQUIRED', message: 'brandId or username is required' }]);
        }
        if (b.username !== undefined) {
          const found = await findAdmins(db, 'brand', b.username as string, (b.brandId as number | undefined) ?? null);
          if (found.length !== 1 || !found[0]) throw new ApiError('NOT_FOUND', found.length > 1 ? 'username is ambiguous: give brandId' : 'brand administrator not found');
          ctx = contextOf(found[0], chain);
        } else {
          const brand = await db.selectFrom('brands').select('id').where('id', '=', b.brandId as number).executeTakeFirst();
          if (!brand) throw new ApiError('NOT_FOUND', 'brand not found');
          ctx = { level: 'brand', adminId: caller.adminId, brandId: brand.id as number, clientId: null, userId: null, restricted: false, chain, ...(caller.username ? { username: caller.username } : {}) };
        }
      } else {
        const b = readBody(req.body, { clientId: { type: 'integer', required: true } });
        let q = db.selectFrom('clients').select(['id', 'brandId']).where('id', '=', b.clientId as number);
        if (caller.level === 'brand') q = q.where('brandId', '=', caller.brandId); // tenancy: own clients only
        const client = (await q.executeTakeFirst()) as { id: number; brandId: number } | undefined;
        if (!client) throw new ApiError('NOT_FOUND', 'client not found');
        ctx = { level: 'client', adminId: caller.adminId, brandId: client.brandId, clientId: client.id, userId: null, restricted: false, chain, ...(caller.username ? { username: caller.username } : {}) };
      }
      const pairOut = await db.transaction().execute(async (trx) => {
        const p = await startSession(trx, tokens, ctx);
        await insertAudit(trx, {
          level: caller.level,
          adminId: caller.adminId,
          username: caller.username ?? null,
          chain: [...ctx.chain],
          brandId: ctx.brandId,
          clientId: ctx.clientId,
          resource: 'auth',
          rowId: String(level === 'brand' ? ctx.brandId : ctx.clientId),
          action: 'exchange',
          before: null,
          after: { level: ctx.level, adminId: ctx.adminId, brandId: ctx.brandId, clientId: ctx.clientId },
        });
        return p;
      });
      return pairOut;
    };
    for (const p of ['/auth/exchange', '/token/exchange']) app.post(`${base}${p}`, exchange);
  }
}
