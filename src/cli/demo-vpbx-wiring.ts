// Adds the vPBX demo rows (Alice 101 / Bob 102, src/store/demo-vpbx.ts) to a just-created demo client when the
// first start did not already add them (first-start.ts does not yet pass the vPBX hook as `DemoDeps.extend`).
// Idempotent: nothing happens when the client already has a terminal.
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema/index.ts';
import { demoVpbxExtension } from '../store/demo-vpbx.ts';
import { hashPassword } from '../api/auth/passwords.ts';

export async function ensureDemoVpbx(db: Kysely<Database>, clientId: number, encryptionKey: string): Promise<{ added: boolean }> {
  const existing = await db.selectFrom('terminals').select('id').where('clientId', '=', clientId).limit(1).executeTakeFirst();
  if (existing) return { added: false };
  const extend = demoVpbxExtension({ encryptionKey, hashPassword });
  await db.transaction().execute((trx) => extend(trx, { clientId } as Parameters<typeof extend>[1]));
  return { added: true };
}
