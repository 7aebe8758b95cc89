// Active calls (read-only view, seed-part1 §2.16, seed-part2 §1.27): one row per involved endpoint, written by the
// B2BUA as the dialog moves through the RFC 4235 §4.1 states it shows — trying ("Call Setup"), early ("Ringing"),
// confirmed ("In call"); proceeding is not shown and terminated rows are deleted.
import Type from 'typebox';
import { defineResource } from '../registry/registry.ts';
import type { FieldDecl } from '../registry/types.ts';

const ro = (f: Omit<FieldDecl, 'readOnly'>): FieldDecl => ({ ...f, readOnly: true });
const roText = (nullable = true): FieldDecl => ro({ schema: Type.String(), nullable, filter: ['exact', 'like'] });
const roTime = (nullable = false): FieldDecl => ro({ schema: Type.String({ format: 'date-time' }), nullable, filter: ['range'], order: true });
const roEnum = (values: string[], nullable = false): FieldDecl => ro({ schema: Type.Enum(values), nullable, filter: ['exact', 'in'], order: true });
export const ENDPOINT_TYPES = ['user', 'friend', 'fax', 'retailAccount', 'residentialDevice', 'wholesale'];

export default defineResource({
  name: 'activeCalls',
  table: 'activeCalls',
  path: '/active-calls',
  description: 'Calls in progress, one row per involved endpoint (read-only)',
  levels: { platform: ['list', 'get'], brand: ['list', 'get'], client: ['list', 'get'], user: ['list', 'get'] },
  owner: { brand: 'brandId', client: 'clientId', user: 'userId' },
  defaultOrder: ['startedAt', 'id'],
  noAudit: true,
  fields: {
    id: ro({ schema: Type.Integer(), filter: ['exact', 'in'], order: true }),
    brandId: ro({ schema: Type.Integer(), ref: 'brands', filter: ['exact', 'in'], read: ['platform'] }),
    clientId: ro({ schema: Type.Integer(), ref: 'clients', filter: ['exact', 'in'], read: ['platform', 'brand'] }),
    userId: ro({ schema: Type.Integer(), ref: 'users', nullable: true, filter: ['exact', 'in'] }),
    callId: roText(false),
    direction: roEnum(['inbound', 'outbound']),
    state: { ...roEnum(['trying', 'early', 'confirmed']), description: 'RFC 4235: trying = Call Setup, early = Ringing, confirmed = In call' },
    ownerType: roEnum(ENDPOINT_TYPES),
    ownerId: ro({ schema: Type.Integer(), nullable: true, filter: ['exact'] }),
    ownerName: roText(),
    party: { ...roText(), description: 'the other participant (updated on transfers and diversions)' },
    caller: roText(),
    callee: roText(),
    startedAt: roTime(),
    answeredAt: roTime(true),
  },
});
