// Test helpers: the demo brand and client, plus clients, terminals and users inserted as bare rows (only the
// required columns), for store-level tests that need owners to delete under a running writer. Not the API's rules.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/store/schema/index.ts';
import { loadDemoData } from '../../src/store/demo.ts';
import { apiCreateRules } from '../../src/cli/first-start.ts';
import { cheapHash } from './api.ts';

export interface OwnerRows {
  brandId: number;
  clientId: number;
  /** a random suffix for unique names and e-mails */
  tag: string;
  /** a client copied from the demo client (same brand, language, timezone, currency) */
  client(name: string): Promise<number>;
  terminal(name: string, clientId?: number): Promise<number>;
  user(name: string, o?: { clientId?: number; terminalId?: number }): Promise<number>;
}

const id = (r: { rows: Array<{ id: number }> }) => Number(r.rows[0]!.id);

export async function demoOwners(db: Kysely<Database>): Promise<OwnerRows> {
  const d = await loadDemoData(db, { publicUrl: 'http://localhost' }, { ...apiCreateRules, hashPassword: cheapHash });
  assert.ok(d.ok && d.created);
  const { brandId, clientId } = d.ids;
  const tag = randomBytes(4).toString('hex');
  return {
    brandId,
    clientId,
    tag,
    client: async (name) => id(await sql<{ id: number }>`insert into clients (brand_id, type, name, language_id, default_timezone_id, currency_id)
      select brand_id, type, ${`${name}-${tag}`}, language_id, default_timezone_id, currency_id from clients where id = ${clientId} returning id`.execute(db)),
    terminal: async (name, client = clientId) => id(await sql<{ id: number }>`insert into terminals (client_id, brand_id, name, password_enc, ha1_md5, ha1_sha256, ha1_realm)
      values (${client}, ${brandId}, ${`${name}-${tag}`}, 'x', 'x', 'x', 'x') returning id`.execute(db)),
    user: async (name, o = {}) => id(await sql<{ id: number }>`insert into users (client_id, name, email, terminal_id)
      values (${o.clientId ?? clientId}, ${name}, ${`${name}-${tag}@example.com`}, ${o.terminalId ?? null}) returning id`.execute(db)),
  };
}
