// vPBX demo rows for DemoCompany (seed-part1 §3 S1, seed-part2 §1.1 "the installation creates Alice and Bob"):
// terminals alice/alice and bob/bob, extensions 101 → Alice and 102 → Bob, users Alice and Bob with those
// terminals and screen extensions, portal logins alice@demo.example / bob@demo.example with password `changeme`.
// The SIP passwords are the docs' walkthrough values: demo only, and `start` should say so (DEMO_VPBX_WARNING).
// Plugs into src/store/demo.ts as `DemoDeps.extend` (runs inside the demo transaction).
import type { Kysely } from 'kysely';
import type { Database } from './schema/index.ts';
import type { DemoIds } from './demo.ts';
import { computeHa1, deriveSipSecretKey, encryptSipSecret } from './secrets/sip-secret.ts';
import { bumpDirectoryVersion } from './directory/changes.ts';

export const DEMO_VPBX = {
  users: [
    { name: 'Alice', terminal: 'alice', sipPassword: 'alice', extension: '101', email: 'alice@demo.example' },
    { name: 'Bob', terminal: 'bob', sipPassword: 'bob', extension: '102', email: 'bob@demo.example' },
  ],
  portalPassword: 'changeme',
} as const;

export const DEMO_VPBX_WARNING =
  'WARNING: demo SIP terminals alice/alice and bob/bob accept calls with their documented passwords; ' +
  'change them (PATCH /api/client/terminals/{id}) or delete them before exposing SIP ports.';

export interface DemoVpbxDeps {
  /** The platform encryption key (src/config/secrets.ts), for the SIP passwords at rest. */
  encryptionKey: string;
  hashPassword(password: string): Promise<string>;
}

/** The `DemoDeps.extend` hook that adds Alice and Bob to DemoCompany. */
export function demoVpbxExtension(deps: DemoVpbxDeps): (trx: Kysely<Database>, ids: DemoIds) => Promise<void> {
  const key = deriveSipSecretKey(deps.encryptionKey);
  return async (trx, ids) => {
    const client = await trx.selectFrom('clients').select(['brandId', 'domain']).where('id', '=', ids.clientId).executeTakeFirstOrThrow();
    const realm = String(client.domain).toLowerCase();
    const portalHash = await deps.hashPassword(DEMO_VPBX.portalPassword);
    for (const d of DEMO_VPBX.users) {
      const terminal = await trx.insertInto('terminals').values({
        clientId: ids.clientId,
        brandId: client.brandId,
        name: d.terminal,
        passwordEnc: encryptSipSecret(key, d.sipPassword),
        ha1Realm: realm,
        ...computeHa1(d.terminal, realm, d.sipPassword),
      }).returning('id').executeTakeFirstOrThrow();
      const user = await trx.insertInto('users').values({
        clientId: ids.clientId,
        name: d.name,
        email: d.email,
        passwordHash: portalHash,
        terminalId: terminal.id,
      }).returning('id').executeTakeFirstOrThrow();
      const ext = await trx.insertInto('extensions').values({
        clientId: ids.clientId,
        number: d.extension,
        routeType: 'user',
        userId: user.id,
      }).returning('id').executeTakeFirstOrThrow();
      await trx.updateTable('users').set({ screenExtensionId: ext.id }).where('id', '=', user.id).execute();
    }
    await bumpDirectoryVersion(trx);
  };
}
