// Balances (seed-part1 §1.29, §2.10): prepaid and pseudo-prepaid clients, and carriers that calculate cost.
//   balances            read-only: current amount (and live reservations) per client/carrier
//   balance-movements   read-only ledger: signed amount, balance after, actor, time, reason
//   balance-operations  create-only: increase/decrease by an administrator; the balance changes with one
//                       atomic UPDATE … RETURNING and the movement is written in the same transaction
import Type from 'typebox';
import { defineResource } from '../registry/registry.ts';
import { createdAtField, enumOf, fk, idField, optionalText } from '../registry/field-helpers.ts';
import type { FieldError, WriteContext } from '../registry/types.ts';
import { ensureBalance, type BalanceOwner } from '../../billing/balance-store.ts';
import { checkBalanceThresholds } from '../../billing/notifications.ts';
import { sql } from 'kysely';
import { formatMoney } from '../../domain/rating/index.ts';
import { db, formatMoneyFields, money, toMoney } from './billing/common.ts';

const readOnlyMoney = { ...money({ readOnly: true }, true), filter: undefined };

const balances = defineResource({
  name: 'balances',
  table: 'balances',
  path: '/balances',
  description: 'Balances of prepaid/pseudo-prepaid clients and of carriers that calculate cost',
  levels: { platform: ['list', 'get'], brand: ['list', 'get'], client: ['list', 'get'] },
  owner: { brand: 'brandId', client: 'clientId' },
  fields: {
    id: idField,
    brandId: fk('brands', { readOnly: true }),
    clientId: fk('clients', { readOnly: true, nullable: true }),
    carrierId: fk('carriers', { readOnly: true, nullable: true, read: ['platform', 'brand'] }),
    amount: readOnlyMoney,
    reserved: { ...readOnlyMoney, description: 'held by prepaid calls in progress' },
    updatedAt: createdAtField,
  },
  hooks: { afterRead: formatMoneyFields(['amount', 'reserved']) },
});

const movementFields = {
  id: idField,
  brandId: fk('brands', { readOnly: true }),
  clientId: fk('clients', { readOnly: true, nullable: true }),
  carrierId: fk('carriers', { readOnly: true, nullable: true, read: ['platform', 'brand'] as const }),
  kind: enumOf(['increase', 'decrease', 'call', 'calls', 'rerate'], { readOnly: true }),
  amount: { ...readOnlyMoney, description: 'signed change of the balance' },
  balanceAfter: readOnlyMoney,
  actor: { schema: Type.String(), readOnly: true, filter: ['exact'] as const },
  reason: optionalText(255, { readOnly: true }),
  callId: optionalText(255, { readOnly: true }),
  createdAt: createdAtField,
};

const balanceMovements = defineResource({
  name: 'balanceMovements',
  table: 'balanceMovements',
  path: '/balance-movements',
  description: 'Balance movements ledger',
  levels: { platform: ['list', 'get'], brand: ['list', 'get'], client: ['list', 'get'] },
  owner: { brand: 'brandId', client: 'clientId' },
  defaultOrder: ['id'],
  fields: movementFields,
  hooks: { afterRead: formatMoneyFields(['amount', 'balanceAfter']) },
});

async function operationOwner(ctx: WriteContext): Promise<{ owner?: BalanceOwner; errors: FieldError[] }> {
  const clientId = ctx.values.clientId;
  const carrierId = ctx.values.carrierId;
  if ((clientId == null) === (carrierId == null)) {
    return { errors: [{ field: '/clientId', code: 'ONE_OWNER', message: 'give exactly one of clientId and carrierId' }] };
  }
  if (typeof clientId === 'number') {
    const c = await db(ctx).selectFrom('clients').select(['brandId', 'billingMethod']).where('id', '=', clientId).executeTakeFirst();
    if (!c) return { errors: [] };
    if (c.billingMethod !== 'prepaid' && c.billingMethod !== 'pseudoprepaid') {
      return { errors: [{ field: '/clientId', code: 'NO_BALANCE', message: 'only prepaid and pseudo-prepaid clients have a balance' }] };
    }
    return { owner: { kind: 'client', id: clientId, brandId: c.brandId }, errors: [] };
  }
  const k = await db(ctx).selectFrom('carriers').select(['brandId', 'calculateCost']).where('id', '=', carrierId as number).executeTakeFirst();
  if (!k) return { errors: [] };
  if (!k.calculateCost) return { errors: [{ field: '/carrierId', code: 'NO_BALANCE', message: 'only carriers that calculate cost have a balance' }] };
  return { owner: { kind: 'carrier', id: carrierId as number, brandId: k.brandId }, errors: [] };
}

const balanceOperations = defineResource({
  name: 'balanceOperations',
  table: 'balanceMovements',
  path: '/balance-operations',
  description: 'Increase or decrease a balance (writes a movement)',
  levels: { platform: ['create'], brand: ['create'] },
  owner: { brand: 'brandId' },
  fields: {
    ...movementFields,
    clientId: fk('clients', { nullable: true, createOnly: true }),
    carrierId: fk('carriers', { nullable: true, createOnly: true }),
    brandId: fk('brands', { readOnly: true }),
    operation: { ...enumOf(['increase', 'decrease']), virtual: true, required: true },
    amount: money({ required: true, description: 'positive amount to add or remove (money string)' }),
    reason: optionalText(255),
  },
  hooks: {
    async validate(ctx) {
      const { owner, errors } = await operationOwner(ctx);
      if (errors.length > 0 || !owner) return errors;
      const amount = toMoney(String(ctx.input.amount));
      if (amount <= 0) return [{ field: '/amount', code: 'NOT_POSITIVE', message: 'the amount must be greater than 0' }];
      // Last validation step: the balance changes here, atomically, in the request's transaction; a later
      // failure (reference checks) rolls it back with everything else.
      const delta = ctx.input.operation === 'decrease' ? -amount : amount;
      const bal = await ensureBalance(db(ctx), owner);
      const updated = await db(ctx).updateTable('balances')
        .set({ amount: sql<number>`amount + ${delta}`, updatedAt: sql<Date>`now()` })
        .where('id', '=', bal.id).returning('amount').executeTakeFirstOrThrow();
      const who = ctx.caller.username ?? (ctx.caller.adminId === null ? 'unknown' : `#${ctx.caller.adminId}`);
      Object.assign(ctx.values, {
        // Money fields are written through their transform (decimal string → 1/10000 units).
        brandId: owner.brandId, balanceId: bal.id, kind: ctx.input.operation, amount: formatMoney(delta),
        balanceAfter: formatMoney(Number(updated.amount)), actor: `admin:${who}`,
      });
      return [];
    },
    async afterWrite(ctx) {
      const row = ctx.row;
      const owner: BalanceOwner = typeof row.clientId === 'number'
        ? { kind: 'client', id: row.clientId, brandId: row.brandId as number }
        : { kind: 'carrier', id: row.carrierId as number, brandId: row.brandId as number };
      await checkBalanceThresholds(db(ctx), owner, Number(row.balanceAfter));
    },
    afterRead: formatMoneyFields(['amount', 'balanceAfter']),
  },
});

export default [balances, balanceMovements, balanceOperations];
