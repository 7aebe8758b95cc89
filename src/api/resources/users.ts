// Users of vPBX clients (seed-part2 §1.1, §2.25). Client admins manage them; the brand sees a read-only "Users"
// view of all its clients' users (seed-part1 §1.34); a user reads and edits only itself, and only the fields the
// user portal offers (password, language, timezone, do not disturb, call waiting). Email is the portal login and
// is unique across the whole platform (L6249), stored lower-case. One user per terminal.
import Type from 'typebox';
import type { FieldError } from '../errors.ts';
import { defineResource } from '../registry/registry.ts';
import { bool, createdAtField, enumOf, fk, idField, integer, optionalText, SINGLE_LINE, text } from '../registry/field-helpers.ts';
import type { FieldDecl, Level, WriteContext } from '../registry/types.ts';
import { hashPassword } from '../auth/passwords.ts';
import { revokeAccountSessions } from '../auth/revoke.ts';
import { CALL_REJECTION_METHODS } from '../../domain/vpbx/call-rejection.ts';
import { bumpDirectoryVersion } from '../../store/directory/changes.ts';
import { vpbxClient } from './terminals.ts';

const ALL = ['list', 'get', 'create', 'update', 'delete'] as const;
const ADMINS: readonly Level[] = ['platform', 'client'];
/** Fields the user portal lets a user change on itself (seed-part2 §2.25, seed-part1 §2.21). */
const SELF: readonly Level[] = ['platform', 'client', 'user'];

const adminOnly = (f: FieldDecl): FieldDecl => ({ ...f, write: ADMINS });
const selfEditable = (f: FieldDecl): FieldDecl => ({ ...f, write: SELF });
const laterFk = (description: string): FieldDecl => adminOnly({ ...integer(1), nullable: true, description });

/** Same-client checks for references to the client's own rows (terminal, screen extension, assistant). */
async function sameClientErrors(ctx: WriteContext): Promise<FieldError[]> {
  const errors: FieldError[] = [];
  if (typeof ctx.values.bossAssistantId === 'number' && ctx.values.bossAssistantId === ctx.before?.id) {
    errors.push({ field: '/bossAssistantId', code: 'SELF_ASSISTANT', message: 'a boss cannot be its own assistant' });
  }
  // Below platform level the reference check already confines these to the caller's client (404, not 400).
  if (ctx.caller.level !== 'platform') return errors;
  const clientId = ctx.merged.clientId as number;
  const refs: Array<[string, 'terminals' | 'extensions' | 'users']> = [
    ['terminalId', 'terminals'],
    ['screenExtensionId', 'extensions'],
    ['bossAssistantId', 'users'],
  ];
  for (const [field, table] of refs) {
    const v = ctx.values[field];
    if (typeof v !== 'number') continue;
    const row = await ctx.trx.selectFrom(table).select('clientId').where('id', '=', v).executeTakeFirst();
    if (row && row.clientId !== clientId) errors.push({ field: `/${field}`, code: 'OTHER_CLIENT', message: `${table} ${v} belongs to another client` });
  }
  return errors;
}

export default defineResource({
  name: 'users',
  table: 'users',
  path: '/users',
  description: 'Users of vPBX clients: portal login (email), terminal, screen extension and call options',
  levels: { platform: [...ALL], brand: ['list', 'get'], client: [...ALL], user: ['list', 'get', 'update'] },
  owner: { client: 'clientId', brand: { column: 'clientId', table: 'clients', path: 'brandId' }, user: 'id' },
  unique: [
    { constraint: 'users_email_key', fields: ['email'] },
    { constraint: 'users_terminal_key', fields: ['terminalId'] },
  ],
  defaultOrder: ['name', 'lastname', 'id'],
  fields: {
    id: idField,
    clientId: fk('clients', { required: true, createOnly: true }),
    // both end up in SIP headers (the caller's display name): one line of text
    name: adminOnly(text(100, {
      required: true,
      schema: Type.String({ minLength: 1, maxLength: 100, pattern: SINGLE_LINE }),
      description: 'shown in most screens and as caller name on internal calls (one line: no control characters)',
    })),
    lastname: adminOnly(optionalText(100, { order: true, schema: Type.String({ maxLength: 100, pattern: SINGLE_LINE }) })),
    email: adminOnly({
      schema: Type.String({ format: 'email', maxLength: 255 }),
      required: true,
      filter: ['exact', 'like'],
      order: true,
      description: 'user-portal login and voicemail address; unique across the platform',
    }),
    password: selfEditable({
      schema: Type.String({ minLength: 8, maxLength: 128 }),
      nullable: true,
      writeOnly: true,
      column: 'passwordHash',
      transform: (v) => hashPassword(String(v)),
      description: 'user-portal password (write-only); null = no portal access',
    }),
    active: adminOnly(bool({ description: 'grants access to the user portal' })),
    languageId: selfEditable(fk('languages', { nullable: true, description: 'locutions played to the user; null = the client language' })),
    timezoneId: selfEditable(fk('timezones', { nullable: true, description: 'call list times in the portal; null = the client timezone' })),
    numericTransformationSetId: laterFk('numeric transformation set (brand level)'),
    locationId: laterFk('location'),
    qrCode: adminOnly(bool({ description: 'show a Grandstream Wave QR code in the user portal' })),
    terminalId: adminOnly(fk('terminals', { nullable: true, description: 'one user per terminal' })),
    screenExtensionId: adminOnly(fk('extensions', { nullable: true, description: 'extension presented on internal calls' })),
    outgoingDdiId: laterFk('DDI presented on external calls'),
    outgoingDdiRuleId: laterFk('outgoing DDI rule'),
    callAclId: laterFk('call ACL'),
    doNotDisturb: selfEditable(bool()),
    callWaitingLimit: selfEditable(integer(0, 1000, { description: 'received calls allowed while already in calls; 0 = unlimited' })),
    callsFromNonGrantedIps: adminOnly(integer(0, 3, { description: 'concurrent outgoing calls allowed from IPs outside the authorized sources; 0 = None' })),
    multiContact: adminOnly(bool({ description: 'all registered devices ring (yes) or only the latest (no)' })),
    rejectMethod: adminOnly(enumOf(CALL_REJECTION_METHODS, {
      description: 'multi contact: default = 600/603 cancel all devices, 480/486 only the rejecting one; reject-all; reject-current',
    })),
    isBoss: adminOnly(bool()),
    bossAssistantId: adminOnly(fk('users', { nullable: true, description: 'receives the calls of this boss' })),
    bossWhitelistId: laterFk('match list of origins that may call the boss directly'),
    createdAt: createdAtField,
  },
  hooks: {
    prepare(ctx) {
      if (typeof ctx.values.email === 'string') ctx.values.email = ctx.values.email.toLowerCase();
    },
    async validate(ctx) {
      const errors: FieldError[] = [];
      const c = await vpbxClient(ctx.trx, ctx.merged.clientId);
      if (!c.ok) errors.push(c.error);
      errors.push(...(await sameClientErrors(ctx)));
      return errors;
    },
    async afterWrite(ctx) {
      await bumpDirectoryVersion(ctx.trx, { kind: 'user', id: Number(ctx.row.id) });
      // a new (or withdrawn) portal password ends the user's open portal sessions
      if (ctx.op === 'update' && 'password' in ctx.input) await revokeAccountSessions(ctx.trx, { userId: Number(ctx.row.id) });
    },
    async beforeDelete(ctx) {
      await bumpDirectoryVersion(ctx.trx, { kind: 'user', id: Number(ctx.row.id) });
    },
  },
});
