// Clients (a.k.a. companies) of four types with the per-type field sets of seed-part1 §1.4 (matrix in
// src/domain/tenancy/client-types.ts): fields that do not apply to a type are rejected, per-type defaults applied,
// locales default to the brand's. God-only platform data (media relay set, distribute method, application server)
// is invisible below platform level.
import Type from 'typebox';
import type { FieldError } from '../errors.ts';
import { defineResource } from '../registry/registry.ts';
import { bool, createdAtField, enumOf, fk, idField, integer, optionalText, text } from '../registry/field-helpers.ts';
import {
  BILLING_METHODS,
  CLIENT_TYPES,
  DISTRIBUTE_METHODS,
  checkClientRules,
  clientTypeDefaults,
  inapplicableFields,
  type ClientType,
} from '../../domain/tenancy/client-types.ts';
import { FEATURES, missingFeatures } from '../../domain/tenancy/features.ts';
import { assertDomainFree, sipDomainError } from './brands.ts';

const GOD = ['platform'] as const;

export default defineResource({
  name: 'clients',
  table: 'clients',
  path: '/clients',
  // IvozProvider calls clients "companies" (S44: GET /api/brand/companies).
  aliases: [{ path: '/companies', levels: ['platform', 'brand'] }],
  description: 'Clients: vPBX, residential, retail and wholesale',
  levels: { platform: ['list', 'get', 'create', 'update', 'delete'], brand: ['list', 'get', 'create', 'update', 'delete'], client: ['get', 'list'] },
  owner: { brand: 'brandId', client: 'id' },
  unique: [
    { constraint: 'clients_brand_name_key', fields: ['name'] },
    { constraint: 'clients_domain_key', fields: ['domain'] },
  ],
  defaultOrder: ['name'],
  fields: {
    id: idField,
    brandId: fk('brands', { required: true, createOnly: true }),
    type: enumOf(CLIENT_TYPES, { required: true, createOnly: true }),
    name: text(100, { required: true }),
    domain: optionalText(253, { description: 'own SIP domain (vPBX only; unique)' }),
    features: { schema: Type.Array(Type.Enum([...FEATURES]), { uniqueItems: true }), filter: ['exact'], description: 'subset of the brand features (vPBX, residential)' },
    billingMethod: enumOf(BILLING_METHODS),
    corporationId: fk('corporations', { nullable: true }),
    languageId: fk('languages', { description: 'default: the brand language' }),
    defaultTimezoneId: fk('timezones', { description: 'default: the brand timezone' }),
    currencyId: fk('currencies', { description: 'default: the brand currency' }),
    countryId: fk('countries', { nullable: true, description: 'default country code for DDIs (residential, retail)' }),
    numericTransformationSetId: { ...integer(1), nullable: true },
    maxCalls: integer(0, 1_000_000, { description: '0 = unlimited (wholesale: outgoing only)' }),
    maxDailyUsage: { ...integer(0, Number.MAX_SAFE_INTEGER), nullable: true, description: 'money, 1/10000 of the currency unit' },
    email: { schema: Type.String({ format: 'email', maxLength: 255 }), nullable: true, description: 'notified when max daily usage is reached' },
    ipFilter: bool({ description: 'filter by IP address (authorized sources)' }),
    outgoingDdiId: { ...integer(1), nullable: true },
    tin: optionalText(50),
    postalAddress: optionalText(255),
    postalCode: optionalText(20),
    town: optionalText(100),
    province: optionalText(100),
    invoiceCountryId: fk('countries', { nullable: true }),
    registryData: optionalText(1024),
    displayBillingDetails: bool(),
    mediaRelaySetId: fk('mediaRelaySets', { nullable: true, read: GOD, write: GOD }),
    distributeMethod: enumOf(DISTRIBUTE_METHODS, { nullable: true, read: GOD, write: GOD }),
    applicationServerId: fk('applicationServers', { nullable: true, read: GOD, write: GOD }),
    onDemandRecord: enumOf(['disabled', 'dtmf', 'sipinfo'], { nullable: true }),
    onDemandRecordCode: { schema: Type.String({ pattern: '^[0-9*#]{1,5}$' }), nullable: true },
    allowRecordingRemoval: bool(),
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
      const type = ctx.values.type as ClientType;
      for (const [k, v] of Object.entries(clientTypeDefaults(type))) if (!(k in ctx.values)) ctx.values[k] = v;
      const brand = await ctx.trx
        .selectFrom('brands')
        .select(['languageId', 'defaultTimezoneId', 'currencyId'])
        .where('id', '=', ctx.values.brandId as number)
        .executeTakeFirst();
      if (brand) {
        ctx.values.languageId ??= brand.languageId;
        ctx.values.defaultTimezoneId ??= brand.defaultTimezoneId;
        ctx.values.currencyId ??= brand.currencyId;
      }
    },
    async validate(ctx) {
      const m = ctx.merged;
      const type = m.type as ClientType;
      const errors: FieldError[] = inapplicableFields(type, Object.keys(ctx.input)).map((f) => ({
        field: `/${f}`,
        code: 'NOT_APPLICABLE',
        message: `${f} does not apply to ${type} clients`,
      }));
      const domainErr = sipDomainError(ctx.values.domain);
      if (domainErr) errors.push(domainErr);
      errors.push(...checkClientRules({
        type,
        features: m.features as string[] | undefined,
        distributeMethod: m.distributeMethod as string | null | undefined,
        applicationServerId: m.applicationServerId as number | null | undefined,
        domain: m.domain as string | null | undefined,
        onDemandRecord: m.onDemandRecord as string | null | undefined,
      }).filter((e) => !errors.some((x) => x.field === e.field)));
      const brand = await ctx.trx.selectFrom('brands').select(['features', 'domain']).where('id', '=', m.brandId as number).executeTakeFirst();
      if (brand) {
        const brandFeatures = brand.features as string[];
        if (!brandFeatures.includes(type)) {
          errors.push({ field: '/type', code: 'TYPE_NOT_ENABLED', message: `the brand does not offer ${type} clients` });
        }
        for (const f of missingFeatures((m.features as string[] | undefined) ?? [], brandFeatures)) {
          errors.push({ field: '/features', code: 'FEATURE_NOT_IN_BRAND', message: `the brand does not have feature ${f}` });
        }
        // Residential and retail clients use the brand SIP domain (seed-part1 §1.4): it must exist.
        if ((type === 'residential' || type === 'retail') && !brand.domain) {
          errors.push({ field: '/type', code: 'BRAND_DOMAIN_REQUIRED', message: `${type} clients need a brand SIP domain` });
        }
      }
      if (errors.length === 0 && 'domain' in ctx.values) await assertDomainFree(ctx, ctx.values.domain, { table: 'clients', id: ctx.before?.id });
      if (errors.length === 0 && typeof m.corporationId === 'number' && ctx.caller.level === 'platform') {
        const corp = await ctx.trx.selectFrom('corporations').select('brandId').where('id', '=', m.corporationId).executeTakeFirst();
        if (corp && corp.brandId !== m.brandId) errors.push({ field: '/corporationId', code: 'NOT_IN_BRAND', message: 'the corporation belongs to another brand' });
      }
      return errors;
    },
  },
});
