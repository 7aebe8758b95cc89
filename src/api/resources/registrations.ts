// SIP registrations (read-only view): written by the users edge (registrar, RFC 3261 §10.3) with the terminal and
// user it resolved through the SIP directory; shown to the client admin, to the brand ("is terminal X
// registered?", seed-part1 §1.34) and to each user for its own terminal (user portal, seed-part2 §2.25).
import Type from 'typebox';
import { defineResource } from '../registry/registry.ts';
import type { FieldDecl } from '../registry/types.ts';

const ro = (f: Omit<FieldDecl, 'readOnly'>): FieldDecl => ({ ...f, readOnly: true });
const roId = (ref: string, nullable = false): FieldDecl => ro({ schema: Type.Integer(), ref, nullable, filter: ['exact', 'in'], order: true });
const roText = (nullable = true): FieldDecl => ro({ schema: Type.String(), nullable, filter: ['exact', 'like'] });
const roTime: FieldDecl = ro({ schema: Type.String({ format: 'date-time' }), filter: ['range'], order: true });

export default defineResource({
  name: 'registrations',
  table: 'registrations',
  path: '/registrations',
  description: 'Current SIP registrations of terminals (written by the users edge; read-only)',
  levels: { platform: ['list', 'get'], brand: ['list', 'get'], client: ['list', 'get'], user: ['list', 'get'] },
  owner: { client: 'clientId', brand: { column: 'clientId', table: 'clients', path: 'brandId' }, user: 'userId' },
  defaultOrder: ['aor', 'id'],
  noAudit: true,
  fields: {
    id: ro({ schema: Type.Integer(), filter: ['exact', 'in'], order: true }),
    clientId: roId('clients'),
    terminalId: roId('terminals', true),
    userId: roId('users', true),
    aor: { ...roText(false), order: true, description: 'address of record, sip:name@domain' },
    contact: { ...roText(false), description: 'registered Contact URI' },
    expiresAt: roTime,
    userAgent: roText(),
    received: { ...roText(), description: 'source of the REGISTER: transport:ip:port' },
    registeredAt: roTime,
  },
});
