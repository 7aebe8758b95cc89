// `switchyard migrate`, `create-admin` and `demo`: one-shot maintenance commands on the configured store.
import type { Config } from '../../config/load.ts';
import { migrate } from '../../store/migrate.ts';
import { loadDemoData, DEMO, DEMO_PASSWORD } from '../../store/demo.ts';
import { hashPassword } from '../../api/auth/passwords.ts';
import { apiCreateRules, seedInfrastructure } from '../first-start.ts';
import { isStoreEmpty } from '../../store/demo.ts';
import { openConfiguredStore, type CommandResult, type Output } from '../context.ts';

export async function runMigrate(config: Config, out: Output): Promise<CommandResult> {
  const store = await openConfiguredStore(config, { migrate: false });
  try {
    const applied = await migrate(store.db);
    out.info(applied.length === 0 ? 'migrate: schema already up to date' : `migrate: applied ${applied.join(', ')}`);
    return { ok: true };
  } finally {
    await store.close();
  }
}

export interface CreateAdminOptions {
  level: string;
  username: string;
  password: string;
  brandId?: number;
  clientId?: number;
  /** replace the password of an existing administrator with that username */
  reset: boolean;
}

export type CreateAdminResult =
  | { ok: true; id: number; action: 'created' | 'password-reset' }
  | { ok: false; code: 'ADMIN_EXISTS' | 'ADMIN_INVALID' | 'OWNER_NOT_FOUND'; message: string };

/** Creates (or with `reset`, re-passwords) an administrator directly in the store: the way in when nobody can log in. */
export async function createAdmin(config: Config, o: CreateAdminOptions): Promise<CreateAdminResult> {
  if (!['platform', 'brand', 'client'].includes(o.level)) {
    return { ok: false, code: 'ADMIN_INVALID', message: '--level must be platform, brand or client' };
  }
  if (!/^[A-Za-z0-9._@-]{1,64}$/.test(o.username)) {
    return { ok: false, code: 'ADMIN_INVALID', message: '--username: 1–64 letters, digits, . _ @ -' };
  }
  if (o.password.length < 8 && o.password !== DEMO_PASSWORD) {
    return { ok: false, code: 'ADMIN_INVALID', message: '--password: at least 8 characters' };
  }
  if (o.level === 'brand' && o.brandId === undefined) return { ok: false, code: 'ADMIN_INVALID', message: '--brand-id is required for a brand administrator' };
  if (o.level === 'client' && o.clientId === undefined) return { ok: false, code: 'ADMIN_INVALID', message: '--client-id is required for a client administrator' };

  const store = await openConfiguredStore(config);
  try {
    const db = store.db;
    let brandId: number | null = null;
    let clientId: number | null = null;
    if (o.level === 'client') {
      const c = await db.selectFrom('clients').select(['id', 'brandId']).where('id', '=', o.clientId as number).executeTakeFirst();
      if (!c) return { ok: false, code: 'OWNER_NOT_FOUND', message: `no client ${o.clientId}` };
      brandId = c.brandId;
      clientId = c.id;
    } else if (o.level === 'brand') {
      const b = await db.selectFrom('brands').select('id').where('id', '=', o.brandId as number).executeTakeFirst();
      if (!b) return { ok: false, code: 'OWNER_NOT_FOUND', message: `no brand ${o.brandId}` };
      brandId = b.id;
    }
    // Brand and client admins share one username namespace per brand (seed-part1 §1.1, L1029).
    let q = db.selectFrom('administrators').select(['id', 'level', 'clientId']).where('username', '=', o.username);
    q = brandId === null ? q.where('brandId', 'is', null) : q.where('brandId', '=', brandId);
    const existing = await q.executeTakeFirst();
    const passwordHash = await hashPassword(o.password);
    if (existing) {
      if (!o.reset || existing.level !== o.level || existing.clientId !== clientId) {
        return { ok: false, code: 'ADMIN_EXISTS', message: `username ${o.username} is taken${o.reset ? ' by an administrator of another level/client' : ' (use --reset to set a new password)'}` };
      }
      await db.updateTable('administrators').set({ passwordHash, active: true }).where('id', '=', existing.id).execute();
      return { ok: true, id: existing.id, action: 'password-reset' };
    }
    const row = await db.insertInto('administrators')
      .values({ level: o.level as 'platform' | 'brand' | 'client', username: o.username, passwordHash, brandId, clientId })
      .returning('id').executeTakeFirstOrThrow();
    return { ok: true, id: row.id, action: 'created' };
  } finally {
    await store.close();
  }
}

export async function runDemo(config: Config, out: Output): Promise<CommandResult> {
  const store = await openConfiguredStore(config);
  try {
    if (await isStoreEmpty(store.db)) await seedInfrastructure(store.db, config);
    const r = await loadDemoData(store.db, { publicUrl: config.publicUrl }, apiCreateRules);
    if (!r.ok) {
      out.error(`demo: ${r.message}`);
      return { ok: false, code: r.code, exitCode: 1 };
    }
    if (!r.created) {
      out.info(`demo: nothing loaded (${r.reason})`);
      return { ok: true };
    }
    out.info(`demo: loaded brand ${DEMO.brand} (id ${r.ids.brandId}) and vPBX client ${DEMO.client} (id ${r.ids.clientId}, SIP domain ${r.sipDomain})`);
    out.info(`demo: logins ${DEMO.platformAdmin} (platform), ${DEMO.brandAdmin} (brand), ${DEMO.clientAdmin} (client), password "${DEMO_PASSWORD}"`);
    for (const [level, url] of Object.entries(r.portalUrls)) out.info(`demo: ${level} portal URL ${url}`);
    return { ok: true };
  } finally {
    await store.close();
  }
}
