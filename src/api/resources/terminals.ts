// Terminals of vPBX clients (seed-part2 §1.3): SIP credentials (name = SIP username, unique per client SIP
// domain) and media options. The SIP password is write-only: stored AES-256-GCM-encrypted (provisioning reads it
// back through src/store/secrets) with HA1 values for MD5 and SHA-256 digest auth precomputed alongside. HA1
// depends on name, domain and password, so it is recomputed when any of them changes — including the client's
// SIP domain (the `clients` extension below). Every write bumps the SIP directory version.
import Type from 'typebox';
import type { Kysely } from 'kysely';
import { ApiError, type FieldError } from '../errors.ts';
import { defineResource, extendResource } from '../registry/registry.ts';
import { bool, createdAtField, enumOf, fk, idField, integer } from '../registry/field-helpers.ts';
import type { WriteContext } from '../registry/types.ts';
import { CODECS, DEFAULT_CODECS } from '../../domain/vpbx/codecs.ts';
import { normaliseMac } from '../../domain/vpbx/mac.ts';
import { SIP_PASSWORD_MAX_LENGTH, SIP_PASSWORD_PATTERN } from '../../domain/vpbx/sip-password.ts';
import { SIP_USERNAME_PATTERN } from '../../domain/vpbx/sip-username.ts';
import { computeHa1, decryptSipSecret, encryptSipSecret, sipSecretKey } from '../../store/secrets/sip-secret.ts';
import { bumpDirectoryVersion } from '../../store/directory/changes.ts';

/* eslint-disable @typescript-eslint/no-explicit-any */
type AnyDb = Kysely<any>;

const ALL = ['list', 'get', 'create', 'update', 'delete'] as const;

/** The vPBX client a row belongs to, or a field error (vPBX only: other types have no terminals). */
export async function vpbxClient(
  trx: AnyDb,
  clientId: unknown,
): Promise<{ ok: true; client: { id: number; brandId: number; domain: string } } | { ok: false; error: FieldError }> {
  const c = typeof clientId === 'number'
    ? await trx.selectFrom('clients').select(['id', 'brandId', 'type', 'domain']).where('id', '=', clientId).executeTakeFirst()
    : undefined;
  if (!c) throw new ApiError('REFERENCE_NOT_FOUND', `clients ${String(clientId)} not found`, [{ field: '/clientId', code: 'REFERENCE_NOT_FOUND', message: 'client not found' }]);
  if (c.type !== 'vpbx' || !c.domain) {
    return { ok: false, error: { field: '/clientId', code: 'NOT_VPBX', message: 'only vPBX clients have terminals, users and extensions' } };
  }
  return { ok: true, client: { id: c.id, brandId: c.brandId, domain: String(c.domain).toLowerCase() } };
}

/** The stored password of terminal `id` (decrypted with the process key). */
async function storedPassword(trx: AnyDb, id: number): Promise<string> {
  const row = await trx.selectFrom('terminals').select('passwordEnc').where('id', '=', id).executeTakeFirstOrThrow();
  const d = decryptSipSecret(sipSecretKey(), row.passwordEnc as string);
  if (!d.ok) throw new Error(`terminal ${id}: stored SIP password unreadable (${d.code}); is ENCRYPTION_KEY the one it was written with?`);
  return d.plaintext;
}

/** Columns holding a password and its HA1 values for `name@realm`. */
export function secretColumns(name: string, realm: string, password: string): Record<string, string> {
  return { passwordEnc: encryptSipSecret(sipSecretKey(), password), ha1Realm: realm, ...computeHa1(name, realm, password) };
}

/** Recomputes HA1 of every terminal of `clientId` for `realm` (the client's SIP domain changed). */
export async function rekeyClientTerminals(trx: AnyDb, clientId: number, realm: string): Promise<number> {
  const rows = (await trx.selectFrom('terminals').select(['id', 'name']).where('clientId', '=', clientId).execute()) as Array<{ id: number; name: string }>;
  for (const t of rows) {
    const pw = await storedPassword(trx, t.id);
    await trx.updateTable('terminals').set(secretColumns(t.name, realm, pw)).where('id', '=', t.id).execute();
  }
  return rows.length;
}

async function prepare(ctx: WriteContext): Promise<void> {
  if (typeof ctx.values.mac === 'string') ctx.values.mac = normaliseMac(ctx.values.mac) ?? ctx.values.mac;
  const c = await vpbxClient(ctx.trx, ctx.merged.clientId);
  if (!c.ok) return; // reported by validate
  const name = String(ctx.merged.name);
  if (ctx.op === 'create') {
    ctx.values.brandId = c.client.brandId;
    ctx.values.allowedCodecs ??= [...DEFAULT_CODECS];
    if (typeof ctx.values.password === 'string') Object.assign(ctx.values, secretColumns(name, c.client.domain, ctx.values.password));
    return;
  }
  // RFC 7616 §3.4.2: HA1 covers the username too, so a rename needs the password again.
  if ('password' in ctx.values || ('name' in ctx.values && ctx.values.name !== ctx.before?.name)) {
    const pw = typeof ctx.values.password === 'string' ? ctx.values.password : await storedPassword(ctx.trx, ctx.before?.id as number);
    Object.assign(ctx.values, secretColumns(name, c.client.domain, pw));
  }
}

async function validate(ctx: WriteContext): Promise<FieldError[]> {
  const errors: FieldError[] = [];
  const c = await vpbxClient(ctx.trx, ctx.merged.clientId);
  if (!c.ok) errors.push(c.error);
  if (typeof ctx.values.mac === 'string' && !/^[0-9a-f]{12}$/.test(ctx.values.mac)) {
    errors.push({ field: '/mac', code: 'INVALID_MAC', message: `${ctx.values.mac} is not a MAC address` });
  }
  return errors;
}

export default defineResource({
  name: 'terminals',
  table: 'terminals',
  path: '/terminals',
  description: 'SIP terminals of vPBX clients (SIP username + password on the client SIP domain)',
  levels: { platform: [...ALL], client: [...ALL] },
  owner: { client: 'clientId', brand: { column: 'clientId', table: 'clients', path: 'brandId' } },
  unique: [
    { constraint: 'terminals_client_name_key', fields: ['name'] },
    { constraint: 'terminals_brand_mac_key', fields: ['mac'] },
  ],
  defaultOrder: ['name'],
  fields: {
    id: idField,
    clientId: fk('clients', { required: true, createOnly: true }),
    name: {
      schema: Type.String({ pattern: SIP_USERNAME_PATTERN }),
      required: true,
      filter: ['exact', 'like', 'in'],
      order: true,
      description: 'SIP username (RFC 3261 unreserved characters), unique within the client',
    },
    password: {
      schema: Type.String({ minLength: 1, maxLength: SIP_PASSWORD_MAX_LENGTH, pattern: SIP_PASSWORD_PATTERN }),
      required: true,
      writeOnly: true,
      virtual: true,
      description: 'SIP password (write-only; encrypted at rest). Secure: ≥ 10 chars with upper, lower and digit',
    },
    allowedCodecs: {
      schema: Type.Array(Type.Enum([...CODECS]), { minItems: 1, uniqueItems: true }),
      description: 'ordered preference; telephone-event is always offered. Default PCMU, PCMA',
    },
    callerIdUpdateMethod: enumOf(['INVITE', 'UPDATE'], { description: 'SIP method for caller-ID updates (INVITE in case of doubt)' }),
    terminalModelId: { ...integer(1), nullable: true, description: 'provisioning model; null = generic' },
    mac: { schema: Type.String({ maxLength: 17 }), nullable: true, filter: ['exact', 'like'], description: 'stored as 12 lower-case hex digits; unique per brand' },
    t38Passthrough: bool(),
    rtpEncryption: bool({ description: 'call fails unless audio can be encrypted (SRTP)' }),
    createdAt: createdAtField,
  },
  hooks: {
    prepare,
    validate,
    async afterWrite(ctx) {
      await bumpDirectoryVersion(ctx.trx, { kind: 'terminal', id: Number(ctx.row.id) });
    },
    async beforeDelete(ctx) {
      await bumpDirectoryVersion(ctx.trx, { kind: 'terminal', id: Number(ctx.row.id) });
    },
  },
});

/** Did an update change a column the SIP directory reads (src/store/directory/load.ts)? Creates always count. */
function directoryColumnsChanged(ctx: { op: string; row: Record<string, unknown>; before: Readonly<Record<string, unknown>> | null }, columns: readonly string[]): boolean {
  return ctx.op !== 'update' || !ctx.before || columns.some((c) => ctx.row[c] !== ctx.before![c]);
}

// The directory maps SIP domains and shows clients (brand, type, name, domain), so a write that changes one of
// those moves its version, logged as `all` (every node reads everything again: about a second with 20 000 users,
// so edits of other fields do not); a client's new domain also re-keys the HA1 values of its terminals (same
// transaction: auth never sees a half-changed client).
export const extensions = [
  extendResource('clients', {
    hooks: {
      async afterWrite(ctx) {
        const domain = typeof ctx.row.domain === 'string' ? ctx.row.domain.toLowerCase() : null;
        if (ctx.op === 'update' && domain && domain !== (typeof ctx.before?.domain === 'string' ? ctx.before.domain.toLowerCase() : null)) {
          await rekeyClientTerminals(ctx.trx, ctx.row.id as number, domain);
        }
        if (directoryColumnsChanged(ctx, ['brandId', 'type', 'name', 'domain'])) await bumpDirectoryVersion(ctx.trx);
      },
      async beforeDelete(ctx) {
        await bumpDirectoryVersion(ctx.trx);
      },
    },
  }),
  extendResource('brands', {
    hooks: {
      async afterWrite(ctx) {
        if (directoryColumnsChanged(ctx, ['domain'])) await bumpDirectoryVersion(ctx.trx);
      },
      async beforeDelete(ctx) {
        await bumpDirectoryVersion(ctx.trx);
      },
    },
  }),
];
