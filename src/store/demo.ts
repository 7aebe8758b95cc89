// Demo data for the first start (DESIGN.md §Running, seed-part1 §3 S1): platform admin `admin`/`changeme`,
// brand DemoBrand with brand admin `demo`, vPBX client DemoCompany with client admin `demo-admin`, and portal
// URLs for the four levels. Written straight to the store in one transaction; the rules the API applies on
// create (services copy, default proxy-trunk address) come in as `DemoDeps` because the store layer cannot
// import the API. Idempotent: it does nothing when the store already has an administrator or a brand.
import type { Kysely } from 'kysely';
import { bumpDirectoryVersion } from './directory/changes.ts';
import type { Database } from './schema/index.ts';
import { FEATURES } from '../domain/tenancy/features.ts';
import { ASSIGNABLE_FEATURES } from '../domain/tenancy/client-types.ts';

/** The default password of every demo administrator. `start` warns while the platform admin still uses it. */
export const DEMO_PASSWORD = 'changeme';

export const DEMO = {
  platformAdmin: 'admin',
  brand: 'DemoBrand',
  brandAdmin: 'demo',
  client: 'DemoCompany',
  clientAdmin: 'demo-admin',
  locales: { currency: 'EUR', language: 'en', timezone: 'Europe/Madrid' },
} as const;

export interface DemoDeps {
  hashPassword(password: string): Promise<string>;
  /** What the API does after creating a brand (default proxy-trunk address, services copy). */
  afterBrandCreate(trx: Kysely<Database>, brandId: number): Promise<void>;
  /** What the API does after creating a client (services copy). */
  afterClientCreate(trx: Kysely<Database>, brandId: number, clientId: number): Promise<void>;
  /**
   * Extra demo rows inside the same transaction.
   * TODO(users issue): terminals, extensions and users Alice 101 / Bob 102 in DemoCompany (seed-part1 §3 S1).
   */
  extend?(trx: Kysely<Database>, ids: DemoIds): Promise<void>;
}

export interface DemoOptions {
  /** base URL the portals are served at, e.g. `http://localhost:8080` (only host and port are used) */
  publicUrl: string;
}

export interface DemoIds {
  platformAdminId: number;
  brandId: number;
  brandAdminId: number;
  clientId: number;
  clientAdminId: number;
}

export type DemoResult =
  | { ok: true; created: true; ids: DemoIds; portalUrls: Record<'platform' | 'brand' | 'client' | 'user', string>; sipDomain: string }
  | { ok: true; created: false; reason: string }
  | { ok: false; code: 'DEMO_REFERENCE_MISSING'; message: string };

/** True when no administrator and no brand exist: a store nobody has set up yet. */
export async function isStoreEmpty(db: Kysely<Database>): Promise<boolean> {
  const admin = await db.selectFrom('administrators').select('id').limit(1).executeTakeFirst();
  if (admin) return false;
  const brand = await db.selectFrom('brands').select('id').limit(1).executeTakeFirst();
  return !brand;
}

/**
 * Portal URLs of the demo, one per level, on the configured host and port. Portal URLs must be HTTPS without a
 * trailing slash (seed-part1 §1.3) and unique; `*.localhost` names resolve to the loopback in browsers, so the
 * brand and client portals get subdomains of the host (of `localhost` when the host is an IP address).
 */
export function demoPortalUrls(publicUrl: string): Record<'platform' | 'brand' | 'client' | 'user', string> {
  const u = new URL(publicUrl);
  const isIp = /^[\d.]+$/.test(u.hostname) || u.hostname.startsWith('[');
  const name = isIp ? 'localhost' : u.hostname;
  const port = u.port ? `:${u.port}` : '';
  return {
    platform: `https://${u.hostname}${port}`,
    brand: `https://demobrand.${name}${port}`,
    client: `https://democompany.${name}${port}`,
    user: `https://users.democompany.${name}${port}`,
  };
}

async function refId(db: Kysely<Database>, table: 'currencies' | 'languages', code: string): Promise<number | undefined> {
  return (await db.selectFrom(table).select('id').where('code', '=', code).executeTakeFirst())?.id;
}

/** Loads the demo data into an empty store (see the file comment). */
export async function loadDemoData(db: Kysely<Database>, opts: DemoOptions, deps: DemoDeps): Promise<DemoResult> {
  if (!(await isStoreEmpty(db))) return { ok: true, created: false, reason: 'the store already has administrators or brands' };

  const currencyId = await refId(db, 'currencies', DEMO.locales.currency);
  const languageId = await refId(db, 'languages', DEMO.locales.language);
  const timezoneId = (await db.selectFrom('timezones').select('id').where('name', '=', DEMO.locales.timezone).executeTakeFirst())?.id;
  if (currencyId === undefined || languageId === undefined || timezoneId === undefined) {
    return { ok: false, code: 'DEMO_REFERENCE_MISSING', message: 'reference data lacks EUR, en or Europe/Madrid' };
  }
  const hash = await deps.hashPassword(DEMO_PASSWORD);
  const portalUrls = demoPortalUrls(opts.publicUrl);

  return db.transaction().execute(async (trx) => {
    // The users-proxy address is the first client's SIP domain: the docs' "DNS trick" (seed-part1 §1.5), so
    // phones can register to the IP without any DNS record.
    const proxy = await trx.selectFrom('proxyUsers').select('ip').executeTakeFirstOrThrow();

    const platformAdmin = await trx.insertInto('administrators')
      .values({ level: 'platform', username: DEMO.platformAdmin, passwordHash: hash, name: 'Platform', lastname: 'Administrator', timezoneId })
      .returning('id').executeTakeFirstOrThrow();

    const brand = await trx.insertInto('brands')
      .values({
        name: DEMO.brand,
        features: [...FEATURES],
        maxCalls: 0,
        defaultTimezoneId: timezoneId,
        languageId,
        currencyId,
      })
      .returning('id').executeTakeFirstOrThrow();
    await deps.afterBrandCreate(trx, brand.id);

    const brandAdmin = await trx.insertInto('administrators')
      .values({ level: 'brand', username: DEMO.brandAdmin, passwordHash: hash, name: 'Demo', lastname: 'Operator', timezoneId, brandId: brand.id })
      .returning('id').executeTakeFirstOrThrow();

    const client = await trx.insertInto('clients')
      .values({
        brandId: brand.id,
        type: 'vpbx',
        name: DEMO.client,
        domain: proxy.ip,
        features: [...ASSIGNABLE_FEATURES.vpbx],
        billingMethod: 'postpaid',
        languageId,
        defaultTimezoneId: timezoneId,
        currencyId,
        distributeMethod: 'hash',
        mediaRelaySetId: 0,
        onDemandRecord: 'disabled',
      })
      .returning('id').executeTakeFirstOrThrow();
    await deps.afterClientCreate(trx, brand.id, client.id);

    const clientAdmin = await trx.insertInto('administrators')
      .values({ level: 'client', username: DEMO.clientAdmin, passwordHash: hash, name: 'Demo', lastname: 'Admin', timezoneId, brandId: brand.id, clientId: client.id })
      .returning('id').executeTakeFirstOrThrow();

    await trx.insertInto('portalUrls').values([
      { kind: 'platform', url: portalUrls.platform, name: 'Platform portal', brandId: null, clientId: null },
      { kind: 'brand', url: portalUrls.brand, name: 'DemoBrand portal', brandId: brand.id, clientId: null },
      { kind: 'client', url: portalUrls.client, name: 'DemoCompany portal', brandId: brand.id, clientId: client.id },
      { kind: 'user', url: portalUrls.user, name: 'DemoCompany user portal', brandId: brand.id, clientId: client.id },
    ]).execute();

    const ids: DemoIds = {
      platformAdminId: platformAdmin.id,
      brandId: brand.id,
      brandAdminId: brandAdmin.id,
      clientId: client.id,
      clientAdminId: clientAdmin.id,
    };
    if (deps.extend) await deps.extend(trx, ids);
    // a brand and a client with a SIP domain: every node's SIP directory must read them (changes.ts)
    await bumpDirectoryVersion(trx);
    return { ok: true as const, created: true as const, ids, portalUrls, sipDomain: proxy.ip };
  });
}
