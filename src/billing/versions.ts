// The per-brand rating configuration version. Every write that changes what a call would be charged (rates,
// plans, profiles, client billing settings, imports) bumps it in the same transaction; the rating caches of every
// node compare it and rebuild the brand's catalog when it moved (catalog-cache.ts).
import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/schema/index.ts';

/** Increments the brand's version. Call it with the transaction of the change. */
export async function bumpBillingVersion(trx: Kysely<Database>, brandId: number): Promise<void> {
  await trx
    .insertInto('billingVersions')
    .values({ brandId, version: 1 })
    .onConflict((oc) => oc.column('brandId').doUpdateSet({ version: sql`billing_versions.version + 1` }))
    .execute();
}

/** In-process listeners told after a change is committed (the API and the billing role share a process). */
const listeners = new Set<(brandId: number) => void>();

export function onBillingChange(fn: (brandId: number) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function notifyBillingChange(brandId: number): void {
  for (const fn of listeners) fn(brandId);
}
