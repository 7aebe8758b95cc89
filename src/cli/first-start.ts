// First start of an empty store: point the seeded infrastructure at this machine (PUBLIC_IP for the users proxy
// and the main proxytrunks address, the rtpengine of MEDIA in the default relay set) and load the demo data.
// "Empty" = no administrator and no brand (src/store/demo.ts isStoreEmpty); later starts change nothing, so
// whatever the operator edited through the API stays.
import type { Kysely } from 'kysely';
import type { Config } from '../config/load.ts';
import type { Database } from '../store/schema/index.ts';
import { isStoreEmpty, loadDemoData, type DemoResult } from '../store/demo.ts';
import { hashPassword } from '../api/auth/passwords.ts';
import { assignProxyTrunks } from '../api/resources/brand-proxy-trunks.ts';
import { copyBrandServicesToClient, copyPlatformServicesToBrand } from '../api/resources/services.ts';

export interface FirstStartReport {
  fresh: boolean;
  demo: DemoResult | null;
}

/** The API's create-time rules, for writers that bypass the API (demo data). */
export const apiCreateRules = {
  hashPassword,
  async afterBrandCreate(trx: Kysely<Database>, brandId: number) {
    await assignProxyTrunks(trx, brandId);
    await copyPlatformServicesToBrand(trx, brandId);
  },
  async afterClientCreate(trx: Kysely<Database>, brandId: number, clientId: number) {
    await copyBrandServicesToClient(trx, brandId, clientId);
  },
};

export async function seedInfrastructure(db: Kysely<Database>, config: Config): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('proxyUsers').set({ ip: config.publicIp }).execute();
    await trx.updateTable('proxyTrunks').set({ ip: config.publicIp }).where('isMain', '=', true).execute();
    if (config.media.kind === 'rtpengine') {
      const address = `udp:${config.media.host}:${config.media.port}`;
      const existing = await trx.selectFrom('mediaRelays').select('id').where('address', '=', address).executeTakeFirst();
      if (!existing) {
        await trx.insertInto('mediaRelays').values({ mediaRelaySetId: 0, name: 'rtpengine', address, metric: 1 }).execute();
      }
    }
  });
}

export async function firstStart(db: Kysely<Database>, config: Config): Promise<FirstStartReport> {
  if (!(await isStoreEmpty(db))) return { fresh: false, demo: null };
  await seedInfrastructure(db, config);
  const demo = config.demo ? await loadDemoData(db, { publicUrl: config.publicUrl }, apiCreateRules) : null;
  return { fresh: true, demo };
}
