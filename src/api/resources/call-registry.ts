// Call registry of vPBX clients (read-only view, seed-part2 §1.27): every call of the client including internal
// ones with no cost, one row per endpoint leg, written by the B2BUA when a call ends. Users see their own calls
// (user portal, seed-part2 §2.25).
import Type from 'typebox';
import { defineResource } from '../registry/registry.ts';
import type { FieldDecl } from '../registry/types.ts';
import { ENDPOINT_TYPES } from './active-calls.ts';

const ro = (f: Omit<FieldDecl, 'readOnly'>): FieldDecl => ({ ...f, readOnly: true });
const roText = (nullable = true): FieldDecl => ro({ schema: Type.String(), nullable, filter: ['exact', 'like'], order: true });
const roEnum = (values: string[], nullable = false): FieldDecl => ro({ schema: Type.Enum(values), nullable, filter: ['exact', 'in'], order: true });

export default defineResource({
  name: 'callRegistry',
  table: 'callRegistry',
  path: '/call-registry',
  description: 'Finished calls of vPBX clients, internal ones included (read-only)',
  levels: { platform: ['list', 'get'], client: ['list', 'get'], user: ['list', 'get'] },
  owner: { brand: 'brandId', client: 'clientId', user: 'userId' },
  defaultOrder: ['-startTime', '-id'],
  noAudit: true,
  fields: {
    id: ro({ schema: Type.Integer(), filter: ['exact', 'in'], order: true }),
    brandId: ro({ schema: Type.Integer(), ref: 'brands', filter: ['exact', 'in'], read: ['platform'] }),
    clientId: ro({ schema: Type.Integer(), ref: 'clients', filter: ['exact', 'in'], read: ['platform'] }),
    userId: ro({ schema: Type.Integer(), ref: 'users', nullable: true, filter: ['exact', 'in'] }),
    callId: roText(false),
    startTime: ro({ schema: Type.String({ format: 'date-time' }), filter: ['range'], order: true }),
    duration: ro({ schema: Type.Integer({ minimum: 0 }), filter: ['range'], order: true, description: 'seconds from answer to hang-up' }),
    caller: roText(false),
    callee: roText(false),
    direction: roEnum(['inbound', 'outbound']),
    disposition: roEnum(['answered', 'busy', 'noAnswer', 'rejected', 'failed', 'cancelled']),
    endpointType: roEnum(ENDPOINT_TYPES, true),
    endpointId: ro({ schema: Type.Integer(), nullable: true, filter: ['exact'] }),
    endpointName: roText(),
  },
});
