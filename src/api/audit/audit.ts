// The audit log: every write through the API, inside the write's transaction, with who did it, on behalf of whom
// (the emulation chain), the level, the resource and row, and before/after images with secrets redacted.
import type { Kysely } from 'kysely';
import type { CallerContext } from '../../domain/tenancy/caller.ts';
import type { Resource } from '../registry/registry.ts';
import { resolveOwnerIds } from '../tenancy/scope.ts';

export const REDACTED = '[redacted]';

/** Field-keyed row with secret and write-only fields replaced by `[redacted]`; Dates as ISO strings. */
export function redact(r: Resource, row: Record<string, unknown> | null): Record<string, unknown> | null {
  if (!row) return null;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    const f = r.fields[k];
    if (f && (f.secret || f.writeOnly)) out[k] = v === null || v === undefined ? v : REDACTED;
    else out[k] = v instanceof Date ? v.toISOString() : v;
  }
  return out;
}

export interface AuditEntry {
  level: string;
  adminId: number | null;
  username: string | null;
  chain: unknown[];
  brandId: number | null;
  clientId: number | null;
  resource: string;
  rowId: string | null;
  action: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
/** Inserts one audit entry (JSON columns serialised here so PGlite and pg behave the same). */
export async function insertAudit(db: Kysely<any>, e: AuditEntry): Promise<void> {
  await db
    .insertInto('auditLog')
    .values({
      ...e,
      chain: JSON.stringify(e.chain),
      before: e.before === null ? null : JSON.stringify(e.before),
      after: e.after === null ? null : JSON.stringify(e.after),
    })
    .execute();
}

/** Records a create/update/delete of `r` by `caller`. Filed under the row's brand/client for scoped reading. */
export async function writeAudit(
  db: Kysely<any>,
  r: Resource,
  caller: CallerContext,
  action: 'create' | 'update' | 'delete',
  rowId: unknown,
  before: Record<string, unknown> | null,
  after: Record<string, unknown> | null,
): Promise<void> {
  const owner = await resolveOwnerIds(db, r, (after ?? before ?? {}) as Record<string, unknown>);
  await insertAudit(db, {
    level: caller.level,
    adminId: caller.adminId,
    username: caller.username ?? null,
    chain: [...caller.chain],
    brandId: owner.brandId ?? caller.brandId,
    clientId: owner.clientId ?? caller.clientId,
    resource: r.name,
    rowId: rowId === null || rowId === undefined ? null : String(rowId),
    action,
    before: redact(r, before),
    after: redact(r, after),
  });
}
