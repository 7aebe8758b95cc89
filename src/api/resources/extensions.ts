// Extensions of vPBX clients (seed-part2 §1.4): an internal number (digits, ≥ 2; unique per client) and where it
// routes, as ONE route target (src/domain/vpbx/route-target.ts): `routeType` plus the typed column of that type
// (userId, numberValue, …); the others stay null — the API checks it (field errors) and the table's CHECK
// constraint guarantees it. Targets whose entities do not exist yet (IVR, hunt group, friend, queue, conditional
// route, conference room, voicemail) are refused with ROUTE_TYPE_NOT_AVAILABLE until their issues land.
import Type from 'typebox';
import type { FieldError } from '../errors.ts';
import { defineResource } from '../registry/registry.ts';
import { createdAtField, enumOf, fk, idField, integer } from '../registry/field-helpers.ts';
import type { FieldDecl } from '../registry/types.ts';
import {
  ALL_TARGET_COLUMNS,
  AVAILABLE_ROUTE_TYPES,
  EXTENSION_MAX_LENGTH,
  ROUTE_TYPES,
  checkExtensionNumber,
  fromColumns,
  type RouteType,
} from '../../domain/vpbx/index.ts';
import { isE164 } from '../../domain/validation/index.ts';
import { bumpDirectoryVersion } from '../../store/directory/changes.ts';
import { vpbxClient } from './terminals.ts';

const ALL = ['list', 'get', 'create', 'update', 'delete'] as const;
const later = (what: string): FieldDecl => ({ ...integer(1), nullable: true, description: `${what} (routeType ${what}; available later)` });

export default defineResource({
  name: 'extensions',
  table: 'extensions',
  path: '/extensions',
  description: 'Internal numbers of vPBX clients and where they route',
  levels: { platform: [...ALL], client: [...ALL] },
  owner: { client: 'clientId', brand: { column: 'clientId', table: 'clients', path: 'brandId' } },
  unique: [{ constraint: 'extensions_client_number_key', fields: ['number'] }],
  defaultOrder: ['number'],
  fields: {
    id: idField,
    clientId: fk('clients', { required: true, createOnly: true }),
    number: {
      schema: Type.String({ minLength: 1, maxLength: EXTENSION_MAX_LENGTH + 1 }),
      required: true,
      filter: ['exact', 'like', 'in'],
      order: true,
      description: 'digits only, at least 2; masks the same external number for the whole client',
    },
    routeType: enumOf(ROUTE_TYPES, { description: 'default unassigned (calls are hung up)' }),
    userId: fk('users', { nullable: true, description: 'target of routeType user' }),
    ivrId: later('ivr'),
    huntGroupId: later('huntGroup'),
    friendId: later('friend'),
    queueId: later('queue'),
    conditionalRouteId: later('conditionalRoute'),
    conferenceRoomId: later('conferenceRoom'),
    voicemailId: later('voicemail'),
    numberValue: {
      schema: Type.String({ maxLength: 16 }),
      nullable: true,
      filter: ['exact', 'like'],
      description: 'E.164 number (+34944048184) for routeType number: an external call that skips the call ACL',
    },
    createdAt: createdAtField,
  },
  hooks: {
    prepare(ctx) {
      // Choosing a route type clears the other targets, so a PATCH needs only the new type and its target.
      if (typeof ctx.values.routeType === 'string') {
        for (const c of ALL_TARGET_COLUMNS) if (!(c in ctx.input)) ctx.values[c] = null;
      }
    },
    async validate(ctx) {
      const m = ctx.merged;
      const errors: FieldError[] = [];
      const c = await vpbxClient(ctx.trx, m.clientId);
      if (!c.ok) errors.push(c.error);
      if ('number' in ctx.values) {
        const n = checkExtensionNumber(String(ctx.values.number));
        if (!n.ok) errors.push({ field: '/number', code: n.code, message: n.message });
      }
      const type = (m.routeType ?? 'unassigned') as RouteType;
      if (!AVAILABLE_ROUTE_TYPES.includes(type)) {
        errors.push({ field: '/routeType', code: 'ROUTE_TYPE_NOT_AVAILABLE', message: `routes to ${type} are not available in this version` });
        return errors;
      }
      const t = fromColumns(type, m as Record<string, number | string | null>);
      if (!t.ok) errors.push({ field: `/${t.column}`, code: t.code, message: t.message });
      if (typeof ctx.values.numberValue === 'string' && !isE164(ctx.values.numberValue)) {
        errors.push({ field: '/numberValue', code: 'INVALID_E164', message: `${ctx.values.numberValue} is not an E.164 number ('+' and up to 15 digits)` });
      }
      // Below platform level the reference check already confines targets to the caller's client (404).
      if (typeof ctx.values.userId === 'number' && c.ok && ctx.caller.level === 'platform') {
        const u = await ctx.trx.selectFrom('users').select('clientId').where('id', '=', ctx.values.userId).executeTakeFirst();
        if (u && u.clientId !== c.client.id) errors.push({ field: '/userId', code: 'OTHER_CLIENT', message: `users ${ctx.values.userId} belongs to another client` });
      }
      return errors;
    },
    async afterWrite(ctx) {
      await bumpDirectoryVersion(ctx.trx, { kind: 'extension', id: Number(ctx.row.id) });
    },
    async beforeDelete(ctx) {
      await bumpDirectoryVersion(ctx.trx, { kind: 'extension', id: Number(ctx.row.id) });
    },
  },
});
