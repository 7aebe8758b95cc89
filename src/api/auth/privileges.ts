// Restricted administrators (seed-part2 §2.28): without a privilege row for a resource they may only read it;
// privilege rows (administrator × resource, c/r/u/d) grant or revoke each operation. Unrestricted admins have
// every operation their level offers.
import type { Kysely } from 'kysely';
import type { CallerContext } from '../../domain/tenancy/caller.ts';
import { ApiError } from '../errors.ts';
import type { Operation } from '../registry/types.ts';

const FLAG: Record<Operation, 'canRead' | 'canCreate' | 'canUpdate' | 'canDelete'> = {
  list: 'canRead',
  get: 'canRead',
  create: 'canCreate',
  update: 'canUpdate',
  delete: 'canDelete',
};

/** The privilege a restricted caller has on `resource` for `op` (read-only default). */
export async function hasPrivilege(db: Kysely<any>, caller: CallerContext, resource: string, op: Operation): Promise<boolean> { // eslint-disable-line @typescript-eslint/no-explicit-any
  if (!caller.restricted) return true;
  if (caller.adminId === null) return false;
  const row = (await db
    .selectFrom('administratorPrivileges')
    .selectAll()
    .where('administratorId', '=', caller.adminId)
    .where('resource', '=', resource)
    .executeTakeFirst()) as Record<string, boolean> | undefined;
  if (!row) return FLAG[op] === 'canRead';
  return row[FLAG[op]] === true;
}

export async function requirePrivilege(db: Kysely<any>, caller: CallerContext, resource: string, op: Operation): Promise<void> { // eslint-disable-line @typescript-eslint/no-explicit-any
  if (!(await hasPrivilege(db, caller, resource, op))) {
    throw new ApiError('PRIVILEGE_REQUIRED', `restricted administrator: no ${FLAG[op].slice(3).toLowerCase()} privilege on ${resource}`);
  }
}
