// Authorized sources of a client (seed-part1 §1.6): IP addresses or CIDR networks. With "filter by IP" on, an
// empty list blocks outgoing calls; wholesale clients are identified by them.
import Type from 'typebox';
import { defineResource } from '../registry/registry.ts';
import { fk, idField, optionalText } from '../registry/field-helpers.ts';
import { parseCidr } from '../../domain/validation/index.ts';

export default defineResource({
  name: 'authorizedSources',
  table: 'authorizedSources',
  path: '/authorized-sources',
  description: 'IP addresses / CIDR networks a client may call from',
  levels: { platform: ['list', 'get', 'create', 'update', 'delete'], brand: ['list', 'get', 'create', 'update', 'delete'], client: ['list', 'get'] },
  owner: { client: 'clientId', brand: { column: 'clientId', table: 'clients', path: 'brandId' } },
  unique: [{ constraint: 'authorized_sources_client_ip_key', fields: ['ip'] }],
  fields: {
    id: idField,
    clientId: fk('clients', { required: true, createOnly: true }),
    ip: { schema: Type.String({ minLength: 2, maxLength: 49 }), required: true, filter: ['exact', 'like'], order: true, description: 'IPv4/IPv6 address or CIDR network' },
    description: optionalText(255),
  },
  hooks: {
    prepare(ctx) {
      if (typeof ctx.values.ip === 'string') ctx.values.ip = ctx.values.ip.toLowerCase();
    },
    validate(ctx) {
      if ('ip' in ctx.values && parseCidr(String(ctx.values.ip)) === null) {
        return [{ field: '/ip', code: 'INVALID_IP', message: `${String(ctx.values.ip)} is not an IP address or CIDR network` }];
      }
      return [];
    },
  },
});
