// User-portal login (seed-part2 §2.25, S46): email (globally unique, case-insensitive) + password; refused when
// the user is not Active, has no portal password, or belongs to a client that is no longer vPBX. Used by the
// `/api/user/auth/login` route (src/api/auth/routes.ts) to build the caller of the user session.
import type { Kysely } from 'kysely';
import type { CallerContext } from '../../domain/tenancy/caller.ts';
import { DUMMY_HASH, verifyPassword } from '../auth/passwords.ts';

/* eslint-disable @typescript-eslint/no-explicit-any */

export type UserLoginResult = { ok: true; caller: CallerContext } | { ok: false; code: 'INVALID_CREDENTIALS' };

export async function verifyUserLogin(db: Kysely<any>, email: string, password: string): Promise<UserLoginResult> {
  const u = (await db
    .selectFrom('users as u')
    .innerJoin('clients as c', 'c.id', 'u.clientId')
    .select(['u.id', 'u.clientId', 'u.email', 'u.passwordHash', 'u.active', 'c.brandId', 'c.type'])
    .where('u.email', '=', email.trim().toLowerCase())
    .executeTakeFirst()) as
    | { id: number; clientId: number; email: string; passwordHash: string | null; active: boolean; brandId: number; type: string }
    | undefined;
  // Always pay for one scrypt verification so unknown emails take as long as wrong passwords.
  const ok = await verifyPassword(password, u?.passwordHash ?? DUMMY_HASH);
  if (!u || !ok || !u.active || u.passwordHash === null || u.type !== 'vpbx') return { ok: false, code: 'INVALID_CREDENTIALS' };
  return {
    ok: true,
    caller: { level: 'user', adminId: null, brandId: u.brandId, clientId: u.clientId, userId: u.id, restricted: false, chain: [], username: u.email },
  };
}

/**
 * True while user `id` may keep using its sessions: the same conditions as a login minus the password check
 * (exists, Active, still has a portal password, client still vPBX). Checked on every authenticated user request
 * and on refresh, so withdrawing portal access ends open sessions at once.
 */
export async function userSessionAllowed(db: Kysely<any>, id: number): Promise<boolean> {
  const u = (await db
    .selectFrom('users as u')
    .innerJoin('clients as c', 'c.id', 'u.clientId')
    .select(['u.active', 'u.passwordHash', 'c.type'])
    .where('u.id', '=', id)
    .executeTakeFirst()) as { active: boolean; passwordHash: string | null; type: string } | undefined;
  return u !== undefined && u.active === true && u.passwordHash !== null && u.type === 'vpbx';
}
