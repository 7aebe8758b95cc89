// Shared pieces of the billing resources (not a resource module: the registry skips folders).
//
// Money in the API (one representation everywhere): a decimal string with a point and up to 4 decimals on
// input ("0.03", "12", "0.0300"), always exactly 4 decimals on output ("0.0300"); stored as bigint counts of
// 1/10000 of the currency unit (src/domain/rating/money.ts). Strings, not JSON numbers, so no client ever
// round-trips an amount through a binary float.
import Type from 'typebox';
import type { Kysely } from 'kysely';
import { formatMoney, parseMoney } from '../../../domain/rating/index.ts';
import type { Database } from '../../../store/schema/index.ts';
import { bumpBillingVersion, notifyBillingChange } from '../../../billing/versions.ts';
import { ApiError } from '../../errors.ts';
import type { CallerContext, FieldDecl, ResourceHooks, RowContext, WriteContext } from '../../registry/types.ts';

export const MONEY_PATTERN = '^[0-9]{1,11}(\\.[0-9]{1,4})?$';
export const SIGNED_MONEY_PATTERN = '^-?[0-9]{1,11}(\\.[0-9]{1,4})?$';

/** A money field: decimal string in, 4-decimal string out, bigint 1/10000 units in the store. */
export function money(extra: Partial<FieldDecl> = {}, signed = false): FieldDecl {
  return {
    schema: Type.String({ pattern: signed ? SIGNED_MONEY_PATTERN : MONEY_PATTERN, maxLength: 20 }),
    transform: (v) => toMoney(String(v)),
    description: 'money: decimal string with up to 4 decimals ("0.0300")',
    ...extra,
  };
}

/** Decimal string → 1/10000 units; the field pattern has already been checked. */
export function toMoney(text: string): number {
  const r = parseMoney(text, { allowNegative: true });
  if (!r.ok) throw new ApiError('VALIDATION_FAILED', r.message);
  return r.value;
}

/** afterRead hook: stored integers of `fields` → 4-decimal strings. */
export function formatMoneyFields(fields: readonly string[]): NonNullable<ResourceHooks['afterRead']> {
  return ({ rows }) => {
    for (const row of rows) {
      for (const f of fields) {
        const v = row[f];
        if (typeof v === 'number' || typeof v === 'bigint') row[f] = formatMoney(Number(v));
      }
    }
  };
}

export function db(ctx: { trx: unknown }): Kysely<Database> {
  return ctx.trx as Kysely<Database>;
}

/** Bumps the brand's rating version (caches rebuild) in the request's transaction. */
export async function configChanged(trx: Kysely<Database>, brandId: number | undefined | null): Promise<void> {
  if (typeof brandId !== 'number') return;
  await bumpBillingVersion(trx, brandId);
  notifyBillingChange(brandId);
}

/** Brand of a destination rate / plan / client / carrier row (for platform callers and cross-checks). */
export async function brandOf(trx: Kysely<Database>, table: 'destinationRates' | 'ratingPlans' | 'clients' | 'carriers' | 'destinations' | 'routingTags', id: unknown): Promise<number | undefined> {
  if (typeof id !== 'number') return undefined;
  const r = await trx.selectFrom(table).select('brandId').where('id', '=', id).executeTakeFirst();
  return r?.brandId;
}

export async function currencyCode(trx: Kysely<Database>, id: unknown): Promise<string | undefined> {
  if (typeof id !== 'number') return undefined;
  const r = await trx.selectFrom('currencies').select('code').where('id', '=', id).executeTakeFirst();
  return r?.code;
}

/** Default currency of new rows: the brand's. */
export async function brandCurrency(trx: Kysely<Database>, brandId: unknown): Promise<number | undefined> {
  if (typeof brandId !== 'number') return undefined;
  const r = await trx.selectFrom('brands').select('currencyId').where('id', '=', brandId).executeTakeFirst();
  return r?.currencyId;
}

/**
 * Client-level gate of billing details (seed-part2 §2.24, seed-part1 §1.4 "Display billing details to client"):
 * a client administrator sees rating profiles, simulations and prices only when the client's
 * `displayBillingDetails` is on.
 */
export async function clientSeesBilling(trx: Kysely<Database>, caller: CallerContext): Promise<boolean> {
  if (caller.level !== 'client' && caller.level !== 'user') return true;
  if (caller.clientId === null) return false;
  const r = await trx.selectFrom('clients').select('displayBillingDetails').where('id', '=', caller.clientId).executeTakeFirst();
  return r?.displayBillingDetails === true;
}

export async function requireBillingDetails(ctx: RowContext): Promise<void> {
  if (!(await clientSeesBilling(db(ctx), ctx.caller))) {
    throw new ApiError('FORBIDDEN', 'billing details are not displayed to this client');
  }
}

/** The brand a write lands in: the stamped/declared brandId, or that of `via` (a parent row). */
export async function writeBrand(ctx: WriteContext, via?: { table: Parameters<typeof brandOf>[1]; field: string }): Promise<number | undefined> {
  if (typeof ctx.merged.brandId === 'number') return ctx.merged.brandId;
  if (via) return brandOf(db(ctx), via.table, ctx.merged[via.field]);
  return ctx.caller.brandId ?? undefined;
}
