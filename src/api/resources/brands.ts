// Brands (seed-part1 §1.1): created and managed by the platform; a brand operator reads its own brand.
// Proxy-trunk addresses (≥ 1 per brand) are added by the infrastructure module as an extension of this resource
// (`extendResource('brands', { fields: { proxyTrunkIds: { virtual: true, … } }, hooks })`).
import Type from 'typebox';
import { ApiError, type FieldError } from '../errors.ts';
import { defineResource } from '../registry/registry.ts';
import { createdAtField, fk, idField, integer, optionalText, text } from '../registry/field-helpers.ts';
import { FEATURES, brandNeedsSipDomain } from '../../domain/tenancy/features.ts';
import { isDomainName, isIPv4 } from '../../domain/validation/index.ts';
import type { WriteContext } from '../registry/types.ts';

export const DATA_URL_IMAGE = Type.String({ maxLength: 1_000_000, pattern: '^data:image/(png|jpeg|gif|webp|svg\\+xml);base64,[A-Za-z0-9+/=]+$' });
const GOD = ['platform'] as const;

/** Lower-cases and checks a SIP domain (a DNS name, or an IPv4 address for the docs' single-client "DNS trick"). */
export function sipDomainError(v: unknown): FieldError | null {
  if (typeof v !== 'string') return null;
  return isDomainName(v) || isIPv4(v) ? null : { field: '/domain', code: 'INVALID_DOMAIN', message: `${v} is not a valid SIP domain` };
}

/** SIP domains are unique across brands and clients (seed-part1 §1.5): checked across both tables. */
export async function assertDomainFree(ctx: WriteContext, domain: unknown, own: { table: 'brands' | 'clients'; id: unknown }): Promise<void> {
  if (typeof domain !== 'string') return;
  for (const table of ['brands', 'clients'] as const) {
    let q = ctx.trx.selectFrom(table).select('id').where('domain', '=', domain);
    if (table === own.table && own.id !== undefined && own.id !== null) q = q.where('id', '!=', own.id);
    if (await q.executeTakeFirst()) {
      throw new ApiError('UNIQUE_VIOLATION', `SIP domain ${domain} is already in use`, [{ field: '/domain', code: 'UNIQUE', message: 'domain already exists' }]);
    }
  }
}

async function idByName(ctx: WriteContext, table: string, column: string, value: string): Promise<number | undefined> {
  const row = await ctx.trx.selectFrom(table).select('id').where(column, '=', value).executeTakeFirst();
  return row?.id as number | undefined;
}

export default defineResource({
  name: 'brands',
  table: 'brands',
  path: '/brands',
  description: 'Brands (resellers): created by the platform operator',
  levels: { platform: ['list', 'get', 'create', 'update', 'delete'], brand: ['list', 'get'] },
  owner: { brand: 'id' },
  unique: [
    { constraint: 'brands_name_key', fields: ['name'] },
    { constraint: 'brands_domain_key', fields: ['domain'] },
  ],
  fields: {
    id: idField,
    name: text(100, { required: true }),
    tin: optionalText(50),
    logo: { schema: DATA_URL_IMAGE, nullable: true, description: 'data URL (data:image/png;base64,…)' },
    invoicePostalAddress: optionalText(255),
    invoicePostalCode: optionalText(20),
    invoiceTown: optionalText(100),
    invoiceProvince: optionalText(100),
    invoiceCountryId: fk('countries', { nullable: true }),
    invoiceRegistryData: optionalText(1024),
    domain: optionalText(253, {
      description: 'Brand SIP domain, used by retail and residential clients; only with those features',
      transform: (v) => String(v).toLowerCase(),
    }),
    recordingsLimitMb: integer(0, 10_000_000, { description: 'recordings quota in MB (0 = none); notify at 80 %' }),
    recordingsLimitEmail: { schema: Type.String({ format: 'email', maxLength: 255 }), nullable: true },
    features: {
      schema: Type.Array(Type.Enum([...FEATURES]), { uniqueItems: true }),
      read: GOD,
      write: GOD,
      filter: ['exact'],
      description: 'feature catalogue subset (god only)',
    },
    maxCalls: integer(0, 1_000_000, { description: '0 = unlimited' }),
    defaultTimezoneId: fk('timezones', { description: 'default: UTC' }),
    languageId: fk('languages', { description: 'default: en' }),
    currencyId: fk('currencies', { description: 'default: EUR' }),
    voicemailNotificationTemplateId: fk('notificationTemplates', { nullable: true }),
    faxNotificationTemplateId: fk('notificationTemplates', { nullable: true }),
    invoiceNotificationTemplateId: fk('notificationTemplates', { nullable: true }),
    callCsvNotificationTemplateId: fk('notificationTemplates', { nullable: true }),
    maxDailyUsageNotificationTemplateId: fk('notificationTemplates', { nullable: true }),
    createdAt: createdAtField,
  },
  hooks: {
    async prepare(ctx) {
      if (typeof ctx.values.domain === 'string') ctx.values.domain = ctx.values.domain.toLowerCase();
      if (ctx.op !== 'create') return;
      ctx.values.defaultTimezoneId ??= await idByName(ctx, 'timezones', 'name', 'UTC');
      ctx.values.languageId ??= await idByName(ctx, 'languages', 'code', 'en');
      ctx.values.currencyId ??= await idByName(ctx, 'currencies', 'code', 'EUR');
    },
    async validate(ctx) {
      const errors: FieldError[] = [];
      const m = ctx.merged;
      const domainErr = sipDomainError(ctx.values.domain);
      if (domainErr) errors.push(domainErr);
      const features = (m.features as string[] | undefined) ?? [];
      if (m.domain != null && !brandNeedsSipDomain(features)) {
        errors.push({ field: '/domain', code: 'NOT_APPLICABLE', message: 'a brand SIP domain needs the retail or residential feature' });
      }
      if (errors.length > 0) return errors;
      if ('domain' in ctx.values) await assertDomainFree(ctx, ctx.values.domain, { table: 'brands', id: ctx.before?.id });
      if (ctx.op === 'update' && 'domain' in ctx.values && ctx.values.domain === null) {
        // Residential and retail clients register on the brand domain: it cannot go while they exist.
        const users = await ctx.trx.selectFrom('clients').select('id').where('brandId', '=', ctx.before?.id).where('type', 'in', ['residential', 'retail']).executeTakeFirst();
        if (users) errors.push({ field: '/domain', code: 'IN_USE', message: 'residential or retail clients use the brand SIP domain' });
      }
      if (ctx.op === 'update' && 'features' in ctx.values) {
        // Narrowing a brand's features must not strand its clients (types and client features ⊆ brand features).
        const clients = (await ctx.trx.selectFrom('clients').select(['name', 'type', 'features']).where('brandId', '=', ctx.before?.id).execute()) as Array<{ name: string; type: string; features: string[] }>;
        for (const c of clients) {
          const missing = [c.type, ...c.features].filter((f) => !features.includes(f));
          if (missing.length > 0) {
            errors.push({ field: '/features', code: 'IN_USE', message: `client ${c.name} uses ${missing.join(', ')}` });
          }
        }
      }
      return errors;
    },
  },
});
