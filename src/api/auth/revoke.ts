// Ending an account's sessions when its password changes: whoever held a token or refresh token from before
// (a stolen one included) must log in again with the new password. Runs in the request's transaction, so a
// rejected change revokes nothing. The caller's own session ends too when it changed its own password: it
// carries no session id into the write hooks, and keeping "the current one" would keep a thief's session alive
// when the thief is the one changing it. Decision written in docs/operators/running.md ("Portal sessions").
import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any */
type AnyDb = Kysely<any>;

export type Account = { readonly adminId: number } | { readonly userId: number };

/** Revokes every open session of `account` (for an administrator: also the sessions it opened by emulation). */
export async function revokeAccountSessions(trx: AnyDb, account: Account): Promise<number> {
  let q = trx.updateTable('authSessions').set({ revokedAt: new Date() }).where('revokedAt', 'is', null);
  q = 'adminId' in account ? q.where('adminId', '=', account.adminId) : q.where('userId', '=', account.userId).where('adminId', 'is', null);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows);
}
