// Sessions, access and refresh tokens. A login (or token exchange) opens a session; its access tokens are HS256
// JWTs (1 h by default) carrying the caller context and the session id, its refresh token is opaque, stored only
// as a SHA-256 hash and rotated on every use. Reusing a spent refresh token revokes the whole session (theft
// signal). Logout revokes the session, so its access tokens stop working before they expire.
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { ActorLink, CallerContext, Level } from '../../domain/tenancy/caller.ts';
import { ApiError } from '../errors.ts';
import { signJwt, verifyJwt, type JwtClaims } from './jwt.ts';
import { userSessionAllowed } from '../resources/users-login.ts';

/* eslint-disable @typescript-eslint/no-explicit-any */
type AnyDb = Kysely<any>;

export interface TokenConfig {
  readonly jwtSecret: string;
  readonly accessTtlSeconds: number;
  readonly refreshTtlSeconds: number;
  /** clock in ms (tests) */
  readonly now: () => number;
}

export interface TokenPair {
  token: string;
  refreshToken: string;
  /** IvozProvider's name for the refresh token (S44). */
  refresh_token: string;
  tokenType: 'Bearer';
  expiresIn: number;
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** RFC 8693 §4.1 nested `act` claim: the most recent actor outermost. */
function actClaim(chain: readonly ActorLink[]): Record<string, unknown> | undefined {
  let act: Record<string, unknown> | undefined;
  for (const link of chain) {
    act = { sub: String(link.adminId), lvl: link.level, ...(link.username ? { un: link.username } : {}), ...(act ? { act } : {}) };
  }
  return act;
}

function chainFromAct(act: unknown): ActorLink[] {
  const out: ActorLink[] = [];
  let cur = act as { sub?: unknown; lvl?: unknown; un?: unknown; act?: unknown } | undefined;
  while (cur && typeof cur === 'object') {
    const link: ActorLink = { adminId: Number(cur.sub), level: cur.lvl as Level, ...(typeof cur.un === 'string' ? { username: cur.un } : {}) };
    out.unshift(link);
    cur = cur.act as typeof cur;
  }
  return out;
}

function accessToken(cfg: TokenConfig, sid: string, ctx: CallerContext): string {
  const iat = Math.floor(cfg.now() / 1000);
  const claims: JwtClaims = {
    sub: ctx.adminId === null ? `user:${ctx.userId ?? ''}` : String(ctx.adminId),
    lvl: ctx.level,
    bid: ctx.brandId,
    cid: ctx.clientId,
    uid: ctx.userId,
    rst: ctx.restricted,
    un: ctx.username ?? null,
    sid,
    iat,
    exp: iat + cfg.accessTtlSeconds,
  };
  const act = actClaim(ctx.chain);
  if (act) claims.act = act;
  return signJwt(claims, cfg.jwtSecret);
}

async function newRefreshToken(db: AnyDb, cfg: TokenConfig, sid: string): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await db
    .insertInto('refreshTokens')
    .values({ tokenHash: sha256(token), sessionId: sid, expiresAt: new Date(cfg.now() + cfg.refreshTtlSeconds * 1000) })
    .execute();
  return token;
}

function pair(cfg: TokenConfig, token: string, refreshToken: string): TokenPair {
  return { token, refreshToken, refresh_token: refreshToken, tokenType: 'Bearer', expiresIn: cfg.accessTtlSeconds };
}

/** Opens a session for `ctx` and returns its first token pair. */
export async function startSession(db: AnyDb, cfg: TokenConfig, ctx: CallerContext): Promise<TokenPair> {
  const sid = randomBytes(18).toString('base64url');
  await db
    .insertInto('authSessions')
    .values({
      id: sid,
      adminId: ctx.adminId,
      userId: ctx.userId,
      level: ctx.level,
      context: JSON.stringify(ctx),
      expiresAt: new Date(cfg.now() + cfg.refreshTtlSeconds * 1000),
    })
    .execute();
  return pair(cfg, accessToken(cfg, sid, ctx), await newRefreshToken(db, cfg, sid));
}

/**
 * Whether the account behind a session may still get tokens: a user session needs the user's portal access, a
 * session opened by an administrator (emulating or not) needs that administrator active.
 */
async function holderStillAllowed(db: AnyDb, ctx: CallerContext): Promise<boolean> {
  if (ctx.adminId === null) return ctx.userId !== null && userSessionAllowed(db, ctx.userId);
  const a = (await db.selectFrom('administrators').select('active').where('id', '=', ctx.adminId).executeTakeFirst()) as { active: boolean } | undefined;
  return a?.active === true;
}

/** Rotates a refresh token: the old one is spent, a new pair is returned. */
export async function refreshSession(db: AnyDb, cfg: TokenConfig, refreshToken: string): Promise<TokenPair> {
  return db.transaction().execute(async (trx) => {
    const row = (await trx
      .selectFrom('refreshTokens as r')
      .innerJoin('authSessions as s', 's.id', 'r.sessionId')
      .select(['r.tokenHash', 'r.usedAt', 'r.expiresAt', 's.id as sid', 's.revokedAt', 's.context'])
      .where('r.tokenHash', '=', sha256(refreshToken))
      .executeTakeFirst()) as { usedAt: Date | null; expiresAt: Date; sid: string; revokedAt: Date | null; context: unknown; tokenHash: string } | undefined;
    if (!row || row.revokedAt !== null || row.expiresAt.getTime() <= cfg.now()) throw new ApiError('TOKEN_INVALID', 'refresh token is invalid or expired');
    if (row.usedAt !== null) {
      // RFC 9700 §4.14.2: a refresh token used twice means it leaked; end the session.
      await trx.updateTable('authSessions').set({ revokedAt: new Date(cfg.now()) }).where('id', '=', row.sid).execute();
      return null;
    }
    const ctx = (typeof row.context === 'string' ? JSON.parse(row.context) : row.context) as CallerContext;
    if (!(await holderStillAllowed(trx, ctx))) throw new ApiError('TOKEN_INVALID', 'the account of this session is disabled');
    await trx.updateTable('refreshTokens').set({ usedAt: new Date(cfg.now()) }).where('tokenHash', '=', row.tokenHash).execute();
    return pair(cfg, accessToken(cfg, row.sid, ctx), await newRefreshToken(trx, cfg, row.sid));
  }).then((p) => {
    if (!p) throw new ApiError('TOKEN_INVALID', 'refresh token was already used; the session is revoked');
    return p;
  });
}

export async function revokeSession(db: AnyDb, cfg: TokenConfig, sid: string): Promise<void> {
  await db.updateTable('authSessions').set({ revokedAt: new Date(cfg.now()) }).where('id', '=', sid).where('revokedAt', 'is', null).execute();
}

/**
 * Verifies a bearer token for an API at `level` and returns the caller with its session id. The session must be
 * live and the administrator active (for user sessions: the user's portal access still granted); `restricted` is
 * read from the administrator now, so a change applies at once.
 */
export async function authenticate(
  db: AnyDb,
  cfg: TokenConfig,
  authorization: string | undefined,
  levels: readonly Level[],
): Promise<{ caller: CallerContext; sid: string }> {
  const m = /^Bearer ([A-Za-z0-9_.-]+)$/.exec(authorization ?? '');
  if (!m?.[1]) throw new ApiError('UNAUTHENTICATED', 'missing bearer token');
  const v = verifyJwt(m[1], cfg.jwtSecret, Math.floor(cfg.now() / 1000));
  if (!v.ok) throw new ApiError('TOKEN_INVALID', v.code === 'EXPIRED' ? 'token expired' : 'token is not valid');
  const c = v.claims;
  const level = c.lvl as Level;
  if (!levels.includes(level)) throw new ApiError('TOKEN_INVALID', `this token is for the ${String(c.lvl)} API`);
  const sid = String(c.sid);
  const s = (await db
    .selectFrom('authSessions as s')
    .leftJoin('administrators as a', 'a.id', 's.adminId')
    .select(['s.revokedAt', 's.adminId', 's.userId', 'a.active', 'a.restricted'])
    .where('s.id', '=', sid)
    .executeTakeFirst()) as { revokedAt: Date | null; adminId: number | null; userId: number | null; active: boolean | null; restricted: boolean | null } | undefined;
  if (!s || s.revokedAt !== null) throw new ApiError('TOKEN_INVALID', 'session ended');
  if (s.adminId !== null && s.active !== true) throw new ApiError('TOKEN_INVALID', 'administrator disabled');
  // A user whose portal access was withdrawn after login loses its open sessions at once (seed-part2 §2.25).
  if (s.adminId === null && s.userId !== null && !(await userSessionAllowed(db, s.userId))) {
    throw new ApiError('TOKEN_INVALID', 'user portal access disabled');
  }
  const num = (x: unknown): number | null => (typeof x === 'number' ? x : null);
  const caller: CallerContext = {
    level,
    adminId: s.adminId,
    brandId: num(c.bid),
    clientId: num(c.cid),
    userId: num(c.uid),
    restricted: s.restricted === true,
    chain: chainFromAct(c.act),
    ...(typeof c.un === 'string' ? { username: c.un } : {}),
  };
  return { caller, sid };
}
