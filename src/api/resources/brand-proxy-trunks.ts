// Brand ↔ ProxyTrunks address assignment (seed-part1 §1.1 "ProxyTrunks", L1539–1540): each brand has at least
// one address, an address may serve several brands, and an address used by one of the brand's carriers or DDI
// providers cannot be unassigned.
//
// Two ways to manage it: the `brandProxyTrunks` resource (one row per assignment) and the `proxyTrunkIds` field
// this file adds to `brands` (the whole set; a new brand without it gets the main `proxytrunks` address).
//
// Hook for carriers / DDI providers (later issue): reference the assignment, not the address —
//   FOREIGN KEY (brand_id, proxy_trunk_id) REFERENCES brand_proxy_trunks (brand_id, proxy_trunk_id)
// (NO ACTION, so deleting a whole brand can still cascade). Then unassigning a used address fails in SQL with a
// foreign-key violation, which the API reports as 409 "referenced by carriers"; `assignmentUsers` below lists
// them first for a clearer message.
import { Type } from 'typebox';
import type { Kysely } from 'kysely';
import { defineResource, extendResource } from '../registry/registry.ts';
import type { FieldError } from '../registry/types.ts';
import { ApiError } from '../errors.ts';
import type { Database } from '../../store/schema/index.ts';
import { mainProxyTrunkId } from './proxy-trunks.ts';

/**
 * Tables that pin an assignment (brand_id, proxy_trunk_id). Later modules add their table here, e.g.
 * `{ table: 'carriers', label: 'carriers' }`; each must have brand_id and proxy_trunk_id columns.
 */
export const ASSIGNMENT_USERS: Array<{ table: string; label: string }> = [];

/** Names of what uses address `proxyTrunkId` within `brandId` (empty: free to unassign). */
export async function assignmentUsers(trx: Kysely<Database>, brandId: number, proxyTrunkId: number): Promise<string[]> {
  const out: string[] = [];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const db = trx as unknown as Kysely<any>;
  for (const u of ASSIGNMENT_USERS) {
    const r = await db.selectFrom(u.table).select(db.fn.countAll<number>().as('n'))
      .where('brandId', '=', brandId).where('proxyTrunkId', '=', proxyTrunkId).executeTakeFirst();
    const n = Number(r?.n ?? 0);
    if (n > 0) out.push(`${u.label} (${n})`);
  }
  return out;
}

/** Assigns `ids` (default: the main address) to a new brand. Runs in the brand's create transaction. */
export async function assignProxyTrunks(trx: Kysely<Database>, brandId: number, ids?: readonly number[]): Promise<void> {
  const list = ids && ids.length > 0 ? [...new Set(ids)] : [await mainProxyTrunkId(trx)];
  await trx.insertInto('brandProxyTrunks').values(list.map((proxyTrunkId) => ({ brandId, proxyTrunkId }))).execute();
}

async function unknownAddresses(trx: Kysely<Database>, ids: readonly number[]): Promise<FieldError[]> {
  if (ids.length === 0) return [];
  const found = new Set((await trx.selectFrom('proxyTrunks').select('id').where('id', 'in', [...ids]).execute()).map((r) => r.id));
  return ids.flatMap((id, i) =>
    found.has(id) ? [] : [{ field: `/proxyTrunkIds/${i}`, code: 'REFERENCE_NOT_FOUND', message: `no proxy trunk address ${id}` }]);
}

const brandAssignment = defineResource({
  name: 'brandProxyTrunks',
  table: 'brandProxyTrunks',
  path: '/brand-proxy-trunks',
  description: 'ProxyTrunks addresses assigned to brands (at least one per brand)',
  levels: { platform: ['list', 'get', 'create', 'delete'], brand: ['list', 'get'] },
  owner: { brand: 'brandId' },
  fields: {
    id: { schema: Type.Integer(), readOnly: true, order: true },
    brandId: { schema: Type.Integer(), required: true, ref: 'brands', filter: ['exact', 'in'], order: true },
    proxyTrunkId: { schema: Type.Integer(), required: true, ref: 'proxyTrunks', filter: ['exact', 'in'], order: true },
  },
  unique: [{ constraint: 'brand_proxy_trunks_brand_id_proxy_trunk_id_key', fields: ['brandId', 'proxyTrunkId'] }],
  hooks: {
    async beforeDelete({ row, trx }) {
      const db = trx as Kysely<Database>;
      const brandId = row.brandId as number;
      const r = await db.selectFrom('brandProxyTrunks').select(db.fn.countAll<number>().as('n'))
        .where('brandId', '=', brandId).executeTakeFirstOrThrow();
      if (Number(r.n) <= 1) {
        return [{ field: '/id', code: 'LAST_ADDRESS', message: 'a brand needs at least one proxy trunk address' }];
      }
      const users = await assignmentUsers(db, brandId, row.proxyTrunkId as number);
      if (users.length > 0) {
        return [{ field: '/id', code: 'ADDRESS_IN_USE', message: `used by ${users.join(', ')} of this brand` }];
      }
    },
  },
});

export default brandAssignment;

export const extensions = [
  extendResource('brands', {
    fields: {
      proxyTrunkIds: {
        schema: Type.Array(Type.Integer(), { minItems: 1, maxItems: 100 }),
        virtual: true,
        read: ['platform', 'brand'],
        write: ['platform'],
        description: 'ProxyTrunks addresses of the brand (≥ 1; default on create: the main proxytrunks address)',
      },
    },
    hooks: {
      async validate({ input, trx }) {
        const ids = input.proxyTrunkIds as number[] | undefined;
        if (ids === undefined) return;
        const errs = await unknownAddresses(trx as Kysely<Database>, ids);
        ids.forEach((id, i) => {
          if (ids.indexOf(id) !== i) errs.push({ field: `/proxyTrunkIds/${i}`, code: 'DUPLICATE', message: `address ${id} listed twice` });
        });
        return errs;
      },
      async afterWrite({ op, input, row, trx }) {
        const db = trx as Kysely<Database>;
        const brandId = row.id as number;
        const wanted = input.proxyTrunkIds as number[] | undefined;
        if (op === 'create') return assignProxyTrunks(db, brandId, wanted);
        if (wanted === undefined) return;
        const current = (await db.selectFrom('brandProxyTrunks').select('proxyTrunkId').where('brandId', '=', brandId).execute())
          .map((r) => r.proxyTrunkId);
        const removed = current.filter((id) => !wanted.includes(id));
        const added = wanted.filter((id) => !current.includes(id));
        const errs: FieldError[] = [];
        for (const id of removed) {
          const users = await assignmentUsers(db, brandId, id);
          if (users.length > 0) errs.push({ field: '/proxyTrunkIds', code: 'ADDRESS_IN_USE', message: `address ${id} is used by ${users.join(', ')}` });
        }
        if (errs.length > 0) {
          throw new ApiError('CONFLICT', 'cannot unassign a proxy trunk address in use', errs);
        }
        if (removed.length > 0) {
          await db.deleteFrom('brandProxyTrunks').where('brandId', '=', brandId).where('proxyTrunkId', 'in', removed).execute();
        }
        if (added.length > 0) {
          await db.insertInto('brandProxyTrunks').values(added.map((proxyTrunkId) => ({ brandId, proxyTrunkId }))).execute();
        }
      },
      async afterRead({ rows, trx }) {
        const ids = rows.map((r) => r.id as number);
        if (ids.length === 0) return;
        const db = trx as Kysely<Database>;
        const links = await db.selectFrom('brandProxyTrunks').select(['brandId', 'proxyTrunkId'])
          .where('brandId', 'in', ids).orderBy('proxyTrunkId').execute();
        for (const r of rows) r.proxyTrunkIds = links.filter((l) => l.brandId === r.id).map((l) => l.proxyTrunkId);
      },
    },
  }),
];
