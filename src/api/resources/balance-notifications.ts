// Balance notifications (seed-part1 §1.29, §2.11): an email when a client's or carrier's balance falls below a
// threshold, once per crossing (re-armed when the balance is back at or above it; src/billing/notifications.ts).
import Type from 'typebox';
import { defineResource } from '../registry/registry.ts';
import { fk, idField } from '../registry/field-helpers.ts';
import { brandOf, db, formatMoneyFields, money } from './billing/common.ts';

export default defineResource({
  name: 'balanceNotifications',
  table: 'balanceNotifications',
  path: '/balance-notifications',
  description: 'Low-balance email thresholds of clients and carriers',
  levels: { platform: ['list', 'get', 'create', 'update', 'delete'], brand: ['list', 'get', 'create', 'update', 'delete'] },
  owner: { brand: 'brandId' },
  fields: {
    id: idField,
    brandId: fk('brands', { readOnly: true }),
    clientId: fk('clients', { nullable: true, createOnly: true }),
    carrierId: fk('carriers', { nullable: true, createOnly: true }),
    threshold: money({ required: true, description: 'notify when the balance falls below this amount' }, true),
    email: { schema: Type.String({ format: 'email', maxLength: 255 }), required: true, filter: ['exact', 'like'] },
    notificationTemplateId: fk('notificationTemplates', { nullable: true, description: 'low balance template; default: the brand\'s' }),
    armed: { schema: Type.Boolean(), readOnly: true, description: 'false after notifying, until the balance is back at or above the threshold' },
  },
  hooks: {
    async prepare(ctx) {
      if (ctx.op !== 'create') return;
      const brand = typeof ctx.values.clientId === 'number'
        ? await brandOf(db(ctx), 'clients', ctx.values.clientId)
        : await brandOf(db(ctx), 'carriers', ctx.values.carrierId);
      if (brand !== undefined) ctx.values.brandId = brand;
    },
    validate(ctx) {
      if (ctx.op === 'create' && (ctx.values.clientId == null) === (ctx.values.carrierId == null)) {
        return [{ field: '/clientId', code: 'ONE_OWNER', message: 'give exactly one of clientId and carrierId' }];
      }
      return [];
    },
    afterRead: formatMoneyFields(['threshold']),
  },
});
