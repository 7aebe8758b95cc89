// ProxyTrunks addresses (seed-part1 §1.32): the main `proxytrunks` entry (seeded, editable, never removable) and
// additional IPs the trunks proxy listens on. Port 5060 (5061 TLS) is implied. An address assigned to a brand
// cannot be removed; carriers and DDI providers (later) pin it through brand_proxy_trunks (see that file).
import { Type } from 'typebox';
import type { Kysely } from 'kysely';
import { defineResource } from '../registry/registry.ts';
import { isIP } from '../../domain/validation/index.ts';
import type { Database } from '../../store/schema/index.ts';

/** Id of the main `proxytrunks` address (the default for new brands). */
export async function mainProxyTrunkId(trx: Kysely<Database>): Promise<number> {
  const row = await trx.selectFrom('proxyTrunks').select('id').where('isMain', '=', true).executeTakeFirstOrThrow();
  return row.id;
}

export default defineResource({
  name: 'proxyTrunks',
  table: 'proxyTrunks',
  path: '/proxy-trunks',
  description: 'Addresses of the trunks SIP proxy (carriers and DDI providers)',
  levels: { platform: ['list', 'get', 'create', 'update', 'delete'] },
  fields: {
    id: { schema: Type.Integer(), readOnly: true, order: true },
    name: { schema: Type.String({ minLength: 1, maxLength: 64 }), required: true, filter: ['exact', 'like'], order: true },
    ip: { schema: Type.String({ minLength: 2, maxLength: 45 }), required: true, filter: ['exact', 'like'], order: true,
      description: 'IP address (IPv4 or IPv6); port 5060/5061 implied' },
    isMain: { schema: Type.Boolean(), readOnly: true, filter: ['exact'],
      description: 'the main `proxytrunks` address: editable, cannot be removed' },
  },
  unique: [
    { constraint: 'proxy_trunks_name_key', fields: ['name'] },
    { constraint: 'proxy_trunks_ip_key', fields: ['ip'] },
  ],
  hooks: {
    validate({ merged }) {
      if (!isIP(String(merged.ip ?? ''))) {
        return [{ field: '/ip', code: 'INVALID_IP', message: 'must be an IPv4 or IPv6 address' }];
      }
    },
    async beforeDelete({ row, trx }) {
      if (row.isMain === true) {
        return [{ field: '/id', code: 'MAIN_ADDRESS', message: 'the main proxytrunks address cannot be removed' }];
      }
      const db = trx as Kysely<Database>;
      const brands = await db.selectFrom('brandProxyTrunks').select('brandId')
        .where('proxyTrunkId', '=', row.id as number).orderBy('brandId').execute();
      if (brands.length > 0) {
        return [{
          field: '/id', code: 'ADDRESS_ASSIGNED',
          message: `assigned to ${brands.length} brand(s) (ids ${brands.map((b) => b.brandId).join(', ')}): unassign it first`,
        }];
      }
    },
  },
});
