// SIP domains (seed-part1 §1.5, god "Domains" list): every brand SIP domain and every vPBX client domain, read
// only, built as the SQL view `sip_domains` over brands and clients (migration 0003). client is null for brand
// domains. Ids are derived (brand rows odd, client rows even) and stable while the row exists.
import { Type } from 'typebox';
import { defineResource } from '../registry/registry.ts';

export default defineResource({
  name: 'sipDomains',
  table: 'sipDomains',
  path: '/sip-domains',
  description: 'SIP domains of brands (retail/residential) and vPBX clients; all should point to the users proxy',
  levels: { platform: ['list', 'get'] },
  fields: {
    id: { schema: Type.Integer(), readOnly: true, order: true },
    domain: { schema: Type.String(), readOnly: true, filter: ['exact', 'like'], order: true },
    brandId: { schema: Type.Integer(), readOnly: true, ref: 'brands', filter: ['exact', 'in'], order: true },
    clientId: { schema: Type.Integer(), readOnly: true, nullable: true, ref: 'clients', filter: ['exact', 'in'], order: true },
  },
  defaultOrder: ['domain'],
  noAudit: true,
});
