// Notification templates, minimal for now (seed-part1 §1.19): name and type, so brand and client template
// references are real foreign keys. Platform defaults have no brand (seeded, one per type); brands add their
// own. Contents per language come with the notifications issue.
//
// This file also checks the template references of brands and clients: the template must have the type the
// field is for, and belong to the platform (defaults) or to the same brand.
import { Type } from 'typebox';
import type { Kysely } from 'kysely';
import { defineResource, extendResource } from '../registry/registry.ts';
import type { FieldError, WriteContext } from '../registry/types.ts';
import type { Database } from '../../store/schema/index.ts';
import { NOTIFICATION_TYPES, type NotificationType } from '../../store/schema/infrastructure.ts';

/** Template reference fields of brands and clients and the type each needs. */
export const TEMPLATE_REF_TYPES: Readonly<Record<string, NotificationType>> = {
  voicemailNotificationTemplateId: 'voicemail',
  faxNotificationTemplateId: 'fax',
  invoiceNotificationTemplateId: 'invoice',
  callCsvNotificationTemplateId: 'callcsv',
  lowBalanceNotificationTemplateId: 'lowbalance',
  maxDailyUsageNotificationTemplateId: 'maxdailyusage',
};

/** Checks template refs in `values` against the owning brand (`brandId` null: a brand being created). */
export async function checkTemplateRefs(
  trx: Kysely<Database>, values: Readonly<Record<string, unknown>>, brandId: number | null,
  opts: { platform: boolean } = { platform: true },
): Promise<FieldError[]> {
  const errs: FieldError[] = [];
  for (const [field, type] of Object.entries(TEMPLATE_REF_TYPES)) {
    const id = values[field];
    if (typeof id !== 'number') continue;
    const t = await trx.selectFrom('notificationTemplates').select(['type', 'brandId']).where('id', '=', id).executeTakeFirst();
    const foreign = t !== undefined && t.brandId !== null && t.brandId !== brandId;
    // Below platform a missing or another brand's template is invisible: the generic reference check answers 404
    // without telling the caller whether it exists or what type it has.
    if (!opts.platform && (!t || foreign)) continue;
    if (!t) {
      errs.push({ field: `/${field}`, code: 'REFERENCE_NOT_FOUND', message: `no notification template ${id}` });
    } else if (t.type !== type) {
      errs.push({ field: `/${field}`, code: 'WRONG_TEMPLATE_TYPE', message: `template ${id} is of type ${t.type}, not ${type}` });
    } else if (foreign) {
      errs.push({ field: `/${field}`, code: 'REFERENCE_NOT_FOUND', message: `template ${id} belongs to another brand` });
    }
  }
  return errs;
}

const templates = defineResource({
  name: 'notificationTemplates',
  table: 'notificationTemplates',
  path: '/notification-templates',
  description: 'Notification templates (brand null: platform default used when a brand or client sets none)',
  levels: {
    platform: ['list', 'get', 'create', 'update', 'delete'],
    brand: ['list', 'get', 'create', 'update', 'delete'],
  },
  owner: { brand: 'brandId' },
  // Platform defaults (brandId null) are visible to every brand and referable from brands and clients,
  // read-only below platform; other brands' templates stay invisible.
  sharedNullOwner: true,
  fields: {
    id: { schema: Type.Integer(), readOnly: true, order: true },
    brandId: { schema: Type.Integer(), nullable: true, ref: 'brands', filter: ['exact', 'in'], createOnly: true },
    name: { schema: Type.String({ minLength: 1, maxLength: 100 }), required: true, filter: ['exact', 'like'], order: true },
    type: { schema: Type.Union(NOTIFICATION_TYPES.map((t) => Type.Literal(t))), required: true, createOnly: true,
      filter: ['exact', 'in'], order: true },
  },
  unique: [{ constraint: 'notification_templates_brand_id_name_key', fields: ['name'] }],
});

export default templates;

function refHook(brandOf: (ctx: WriteContext) => number | null) {
  return async (ctx: WriteContext) =>
    checkTemplateRefs(ctx.trx as Kysely<Database>, ctx.values, brandOf(ctx), { platform: ctx.caller.level === 'platform' });
}

export const extensions = [
  extendResource('brands', { hooks: { validate: refHook((ctx) => (ctx.before?.id as number | undefined) ?? null) } }),
  extendResource('clients', { hooks: { validate: refHook((ctx) => (ctx.merged.brandId as number | undefined) ?? null) } }),
];
