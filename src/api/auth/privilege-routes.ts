// Bulk privilege operations (seed-part2 §2.28: "Revoke access" / grant for all endpoints at once):
//   POST /api/<level>/administrators/:id/privileges/revoke-all  → every resource of the level: c/r/u/d false
//   POST /api/<level>/administrators/:id/privileges/grant-all   → every resource of the level: c/r/u/d true
// The target administrator must be visible to the caller (tenancy) and not the caller itself; the caller needs the
// create and update privileges on administratorPrivileges. Each row written is audited.
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Level } from '../../domain/tenancy/caller.ts';
import { ApiError } from '../errors.ts';
import { writeAudit } from '../audit/audit.ts';
import { fromDb } from '../registry/crud.ts';
import type { ResourceRegistry } from '../registry/registry.ts';
import { scopedSelect } from '../tenancy/scope.ts';
import { requirePrivilege } from './privileges.ts';
import { authenticate, type TokenConfig } from './sessions.ts';

export function registerPrivilegeRoutes(
  app: FastifyInstance,
  level: Level,
  deps: { db: Kysely<any>; registry: ResourceRegistry; tokens: TokenConfig }, // eslint-disable-line @typescript-eslint/no-explicit-any
): void {
  const admins = deps.registry.get('administrators');
  const privs = deps.registry.get('administratorPrivileges');
  if (!admins || !privs || !admins.levels[level]?.includes('update')) return;
  for (const mode of ['revoke-all', 'grant-all'] as const) {
    app.post(`/api/${level}/administrators/:id/privileges/${mode}`, async (req) => {
      const { caller } = await authenticate(deps.db, deps.tokens, req.headers.authorization, [level]);
      await requirePrivilege(deps.db, caller, privs.name, 'create');
      await requirePrivilege(deps.db, caller, privs.name, 'update');
      const id = Number((req.params as { id: string }).id);
      if (!Number.isSafeInteger(id) || id < 1) throw new ApiError('NOT_FOUND', 'administrator not found');
      if (id === caller.adminId) throw new ApiError('FORBIDDEN', 'administrators cannot change their own privileges');
      const flag = mode === 'grant-all';
      const names = deps.registry.forLevel(level).map((r) => r.name);
      return deps.db.transaction().execute(async (trx) => {
        const target = await scopedSelect(trx, admins, caller).select('administrators.id').where('administrators.id', '=', id).executeTakeFirst();
        if (!target) throw new ApiError('NOT_FOUND', 'administrator not found');
        for (const resource of names) {
          const before = (await trx.selectFrom('administratorPrivileges').selectAll().where('administratorId', '=', id).where('resource', '=', resource).executeTakeFirst()) as Record<string, unknown> | undefined;
          const values = { canCreate: flag, canRead: flag, canUpdate: flag, canDelete: flag };
          const row = before
            ? await trx.updateTable('administratorPrivileges').set(values).where('id', '=', before.id as number).returningAll().executeTakeFirstOrThrow()
            : await trx.insertInto('administratorPrivileges').values({ administratorId: id, resource, ...values }).returningAll().executeTakeFirstOrThrow();
          await writeAudit(trx, privs, caller, before ? 'update' : 'create', row.id, before ? fromDb(privs, before) : null, fromDb(privs, row as Record<string, unknown>));
        }
        return { administratorId: id, resources: names.length, granted: flag };
      });
    });
  }
}
