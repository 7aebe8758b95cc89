// Users SIP proxy address (seed-part1 §1.32 "Proxy Users"): one row, read and edited by the platform operator.
// Phones register to this address; it is also the "DNS trick" domain the first vPBX client may use (§1.5).
import { Type } from 'typebox';
import { defineResource } from '../registry/registry.ts';
import { isDomainName, isIP } from '../../domain/validation/index.ts';

export default defineResource({
  name: 'proxyUsers',
  table: 'proxyUsers',
  path: '/proxy-users',
  description: 'Users SIP proxy address (single row)',
  levels: { platform: ['list', 'get', 'update'] },
  fields: {
    id: { schema: Type.Integer(), readOnly: true },
    name: { schema: Type.String({ minLength: 1, maxLength: 64 }) },
    ip: {
      schema: Type.String({ minLength: 1, maxLength: 253 }),
      description: 'IP address (or host name) the users proxy is reached at',
    },
  },
  hooks: {
    validate({ merged }) {
      const ip = String(merged.ip ?? '');
      if (!isIP(ip) && !isDomainName(ip)) {
        return [{ field: '/ip', code: 'INVALID_ADDRESS', message: 'must be an IP address or a host name' }];
      }
    },
  },
});
