// Service codes at three levels (seed-part1 §1.16, part 2 §1.24): the platform catalogue with default codes,
// brand "Generic Services" copied from it when a brand is created, and client services copied from the brand's
// when a client is created (both copies in the create transaction). Changing a default later only affects
// brands/clients created afterwards. Residential call-forward codes are brand-only: every residential client
// of a brand uses the brand's codes (§1.16), so they are not copied to clients.
import { Type } from 'typebox';
import type { Kysely } from 'kysely';
import { defineResource, extendResource } from '../registry/registry.ts';
import type { Database } from '../../store/schema/index.ts';
import { SERVICE_CODE_PATTERN } from '../../store/schema/infrastructure.ts';

const code = () => Type.String({ pattern: SERVICE_CODE_PATTERN, description: '1–5 characters of digits, * and #' });

/** Copies the platform services with their default codes to a new brand. */
export async function copyPlatformServicesToBrand(trx: Kysely<Database>, brandId: number): Promise<void> {
  const services = await trx.selectFrom('services').select(['id', 'defaultCode']).orderBy('id').execute();
  if (services.length === 0) return;
  await trx.insertInto('brandServices')
    .values(services.map((s) => ({ brandId, serviceId: s.id, code: s.defaultCode })))
    .execute();
}

/** Copies a brand's services (except brand-only ones) to a new client of that brand. */
export async function copyBrandServicesToClient(trx: Kysely<Database>, brandId: number, clientId: number): Promise<void> {
  const services = await trx.selectFrom('brandServices')
    .innerJoin('services', 'services.id', 'brandServices.serviceId')
    .select(['brandServices.serviceId', 'brandServices.code'])
    .where('brandServices.brandId', '=', brandId)
    .where('services.brandOnly', '=', false)
    .orderBy('brandServices.serviceId')
    .execute();
  if (services.length === 0) return;
  await trx.insertInto('clientServices')
    .values(services.map((s) => ({ clientId, serviceId: s.serviceId, code: s.code })))
    .execute();
}

const platformServices = defineResource({
  name: 'services',
  table: 'services',
  path: '/services',
  description: 'Service catalogue and the default codes copied to new brands',
  levels: { platform: ['list', 'get', 'update'], brand: ['list', 'get'], client: ['list', 'get'] },
  fields: {
    id: { schema: Type.Integer(), readOnly: true, order: true },
    iden: { schema: Type.String(), readOnly: true, filter: ['exact', 'in'] },
    name: { schema: Type.String(), readOnly: true, filter: ['like'], order: true },
    description: { schema: Type.String(), readOnly: true },
    defaultCode: { schema: code(), write: ['platform'], filter: ['exact'], order: true },
    extraArgs: { schema: Type.Boolean(), readOnly: true, description: 'an argument (extension, id, number) may follow the code' },
    brandOnly: { schema: Type.Boolean(), readOnly: true, filter: ['exact'],
      description: 'residential call-forward codes: kept per brand, not copied to clients' },
  },
  unique: [{ constraint: 'services_default_code_key', fields: ['defaultCode'] }],
});

const brandServices = defineResource({
  name: 'brandServices',
  table: 'brandServices',
  path: '/brand-services',
  description: "Brand's generic services: codes copied to new clients",
  levels: { platform: ['list', 'get', 'create', 'update', 'delete'], brand: ['list', 'get', 'create', 'update', 'delete'] },
  owner: { brand: 'brandId' },
  fields: {
    id: { schema: Type.Integer(), readOnly: true, order: true },
    brandId: { schema: Type.Integer(), required: true, ref: 'brands', filter: ['exact', 'in'], createOnly: true },
    serviceId: { schema: Type.Integer(), required: true, ref: 'services', filter: ['exact', 'in'], createOnly: true, order: true },
    code: { schema: code(), required: true, filter: ['exact'], order: true },
  },
  unique: [
    { constraint: 'brand_services_brand_id_service_id_key', fields: ['serviceId'] },
    { constraint: 'brand_services_brand_id_code_key', fields: ['code'] },
  ],
});

const clientServices = defineResource({
  name: 'clientServices',
  table: 'clientServices',
  path: '/client-services',
  description: "Client's service codes (deleted services are not available to its users)",
  levels: {
    platform: ['list', 'get', 'create', 'update', 'delete'],
    brand: ['list', 'get', 'create', 'update', 'delete'],
    client: ['list', 'get', 'create', 'update', 'delete'],
  },
  owner: { client: 'clientId', brand: { column: 'clientId', table: 'clients', path: 'brandId' } },
  fields: {
    id: { schema: Type.Integer(), readOnly: true, order: true },
    clientId: { schema: Type.Integer(), required: true, ref: 'clients', filter: ['exact', 'in'], createOnly: true },
    serviceId: { schema: Type.Integer(), required: true, ref: 'services', filter: ['exact', 'in'], createOnly: true, order: true },
    code: { schema: code(), required: true, filter: ['exact'], order: true },
  },
  unique: [
    { constraint: 'client_services_client_id_service_id_key', fields: ['serviceId'] },
    { constraint: 'client_services_client_id_code_key', fields: ['code'] },
  ],
  hooks: {
    async validate({ op, merged, trx }) {
      if (op !== 'create') return;
      const s = await (trx as Kysely<Database>).selectFrom('services').select('brandOnly')
        .where('id', '=', merged.serviceId as number).executeTakeFirst();
      if (s?.brandOnly) {
        return [{ field: '/serviceId', code: 'BRAND_ONLY_SERVICE',
          message: 'residential call-forward codes are set per brand (brand services), not per client' }];
      }
    },
  },
});

export default [platformServices, brandServices, clientServices];

export const extensions = [
  extendResource('brands', {
    hooks: {
      async afterWrite({ op, row, trx }) {
        if (op === 'create') await copyPlatformServicesToBrand(trx as Kysely<Database>, row.id as number);
      },
    },
  }),
  extendResource('clients', {
    hooks: {
      async afterWrite({ op, row, trx }) {
        if (op === 'create') await copyBrandServicesToClient(trx as Kysely<Database>, row.brandId as number, row.id as number);
      },
    },
  }),
];
