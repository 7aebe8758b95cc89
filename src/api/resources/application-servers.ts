// Application servers (seed-part1 §1.32): the B2BUA nodes the users proxy hands calls to, on port 6060 (implied,
// not stored). One at 127.0.0.1 is seeded for the single-process start. Clients with distributeMethod `static`
// pin one (clients.application_server_id, FK RESTRICT: a pinned server cannot be removed).
import { Type } from 'typebox';
import { defineResource } from '../registry/registry.ts';
import { isIP } from '../../domain/validation/index.ts';

export default defineResource({
  name: 'applicationServers',
  table: 'applicationServers',
  path: '/application-servers',
  description: 'Application servers (port 6060 implied)',
  levels: { platform: ['list', 'get', 'create', 'update', 'delete'] },
  fields: {
    id: { schema: Type.Integer(), readOnly: true, order: true },
    name: { schema: Type.String({ minLength: 1, maxLength: 64 }), required: true, filter: ['exact', 'like'], order: true },
    ip: { schema: Type.String({ minLength: 2, maxLength: 45 }), required: true, filter: ['exact', 'like'], order: true },
  },
  unique: [
    { constraint: 'application_servers_name_key', fields: ['name'] },
    { constraint: 'application_servers_ip_key', fields: ['ip'] },
  ],
  hooks: {
    validate({ merged }) {
      if (!isIP(String(merged.ip ?? ''))) {
        return [{ field: '/ip', code: 'INVALID_IP', message: 'must be an IPv4 or IPv6 address' }];
      }
    },
  },
});
