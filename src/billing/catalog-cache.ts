// In-memory rating catalogs, one per brand, built by catalog-loader.ts. The hot path (`get`, `peek`) never
// queries the store once a brand is loaded. Freshness: in-process writes invalidate at once (versions.ts
// listeners); writes made by other nodes are picked up by `check()`, which compares each loaded brand's
// billing_versions row (one small query per loaded brand) and reloads those that moved. `start()` runs it
// periodically.
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema/index.ts';
import { loadBrandCatalog, readVersion, type BrandCatalog } from './catalog-loader.ts';
import { onBillingChange } from './versions.ts';

export interface CatalogCacheOptions {
  /** Period of the version check, ms (default 5000). */
  readonly checkMs?: number;
}

export class CatalogCache {
  readonly #db: Kysely<Database>;
  readonly #checkMs: number;
  readonly #loaded = new Map<number, BrandCatalog>();
  readonly #loading = new Map<number, Promise<BrandCatalog>>();
  readonly #clientBrand = new Map<number, number>();
  readonly #carrierBrand = new Map<number, number>();
  #timer: NodeJS.Timeout | undefined;
  #unlisten: (() => void) | undefined;

  constructor(db: Kysely<Database>, opts: CatalogCacheOptions = {}) {
    this.#db = db;
    this.#checkMs = opts.checkMs ?? 5000;
    this.#unlisten = onBillingChange((brandId) => this.invalidate(brandId));
  }

  /** The brand's catalog, loading it on first use. */
  async get(brandId: number): Promise<BrandCatalog> {
    const hit = this.#loaded.get(brandId);
    if (hit) return hit;
    let p = this.#loading.get(brandId);
    if (!p) {
      p = loadBrandCatalog(this.#db, brandId).then((c) => {
        this.#loading.delete(brandId);
        this.#store(c);
        return c;
      }, (err: unknown) => {
        this.#loading.delete(brandId);
        throw err;
      });
      this.#loading.set(brandId, p);
    }
    return p;
  }

  /** Loaded catalog or undefined (no I/O). */
  peek(brandId: number): BrandCatalog | undefined {
    return this.#loaded.get(brandId);
  }

  /** Brand of a client, from loaded catalogs or one query the first time. */
  async brandOfClient(clientId: number): Promise<number | undefined> {
    const known = this.#clientBrand.get(clientId);
    if (known !== undefined) return known;
    const r = await this.#db.selectFrom('clients').select('brandId').where('id', '=', clientId).executeTakeFirst();
    if (r) this.#clientBrand.set(clientId, r.brandId);
    return r?.brandId;
  }

  async brandOfCarrier(carrierId: number): Promise<number | undefined> {
    const known = this.#carrierBrand.get(carrierId);
    if (known !== undefined) return known;
    const r = await this.#db.selectFrom('carriers').select('brandId').where('id', '=', carrierId).executeTakeFirst();
    if (r) this.#carrierBrand.set(carrierId, r.brandId);
    return r?.brandId;
  }

  invalidate(brandId: number): void {
    this.#loaded.delete(brandId);
  }

  /** Reloads every loaded brand whose stored version differs from the cached one. Returns the reloaded ids. */
  async check(): Promise<number[]> {
    const changed: number[] = [];
    for (const [brandId, c] of [...this.#loaded]) {
      if ((await readVersion(this.#db, brandId)) !== c.version) {
        this.invalidate(brandId);
        await this.get(brandId);
        changed.push(brandId);
      }
    }
    return changed;
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      this.check().catch(() => {
        // A failed check (store briefly unreachable) keeps the current catalogs; the next tick retries.
      });
    }, this.#checkMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#unlisten?.();
    this.#unlisten = undefined;
  }

  #store(c: BrandCatalog): void {
    this.#loaded.set(c.brandId, c);
    for (const id of c.clients.keys()) this.#clientBrand.set(id, c.brandId);
    for (const id of c.carriers.keys()) this.#carrierBrand.set(id, c.brandId);
  }
}
