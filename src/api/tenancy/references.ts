// Written references (foreign keys) must point inside the caller's subtree: a brand admin cannot attach a client
// to another brand's corporation, a client admin cannot name another client's row. Checked centrally for every
// field declared with `ref`, using the target resource's own scoping.
import type { Kysely } from 'kysely';
import type { CallerContext } from '../../domain/tenancy/caller.ts';
import type { FieldError } from '../errors.ts';
import type { Resource, ResourceRegistry } from '../registry/registry.ts';
import { scopedSelect } from './scope.ts';

/**
 * Returns an error per referenced id the caller cannot see. Targets not registered (yet) are left to the
 * database's foreign key, which still rejects ids that do not exist.
 */
export async function checkReferences(
  db: Kysely<any>, // eslint-disable-line @typescript-eslint/no-explicit-any
  registry: ResourceRegistry,
  r: Resource,
  caller: CallerContext,
  values: Record<string, unknown>,
): Promise<FieldError[]> {
  const errors: FieldError[] = [];
  for (const [name, f] of Object.entries(r.fields)) {
    if (!f.ref || !(name in values)) continue;
    const v = values[name];
    if (v === null || v === undefined) continue;
    const target = registry.get(f.ref);
    if (!target) continue;
    const ids = Array.isArray(v) ? v : [v];
    for (const [i, id] of ids.entries()) {
      const found = await scopedSelect(db, target, caller).select(`${target.table}.id`).where(`${target.table}.id`, '=', id).executeTakeFirst();
      if (!found) {
        errors.push({
          field: Array.isArray(v) ? `/${name}/${i}` : `/${name}`,
          code: 'REFERENCE_NOT_FOUND',
          message: `${f.ref} ${String(id)} not found`,
        });
      }
    }
  }
  return errors;
}
