// Who is calling: the caller context every API request carries, and the pure rule that says which rows of a
// resource that caller may touch. The API layer turns the rule into SQL (src/api/tenancy); the rule lives here so
// it is unit-tested with plain values and cannot drift between routes.

/** The four API/portal levels (seed-part1 §2.21): god → brand operator → client admin → user (vPBX only). */
export type Level = 'platform' | 'brand' | 'client' | 'user';
export const LEVELS: readonly Level[] = ['platform', 'brand', 'client', 'user'];

/** One hop of an emulation chain: who acted, at which level (RFC 8693 §4.1 "act" claim, flattened). */
export interface ActorLink {
  readonly adminId: number;
  readonly level: Level;
  readonly username?: string;
}

/**
 * The caller of one request, derived from a verified access token.
 * `chain` lists the emulating actors, outermost first (platform admin emulating a brand, then a client…);
 * empty when the caller logged in directly.
 */
export interface CallerContext {
  readonly level: Level;
  /** the administrator id the token was issued for (null for users) */
  readonly adminId: number | null;
  readonly brandId: number | null;
  readonly clientId: number | null;
  readonly userId: number | null;
  readonly restricted: boolean;
  readonly chain: readonly ActorLink[];
  readonly username?: string;
}

/** How a resource's rows map to owners: which ownership paths the resource declares. */
export interface OwnerPaths {
  readonly brand?: boolean;
  readonly client?: boolean;
  readonly user?: boolean;
}

/** The row constraint for one caller on one resource. */
export type OwnerConstraint =
  | { readonly kind: 'all' }
  | { readonly kind: 'brand' | 'client' | 'user'; readonly id: number }
  | { readonly kind: 'none' };

/**
 * The constraint rows must satisfy to be visible to `caller`: platform sees everything; brand callers see rows of
 * their brand; client callers rows of their client (or of their brand when the resource is owned by brands only,
 * e.g. read-only brand lists); users their own rows (or their client's). A resource without any owner path is
 * global: visible to every level that declares it (reference data).
 * A caller missing the id its level requires sees nothing ('none'): fail closed.
 */
export function ownerConstraint(caller: CallerContext, paths: OwnerPaths): OwnerConstraint {
  if (caller.level === 'platform') return { kind: 'all' };
  if (!paths.brand && !paths.client && !paths.user) return { kind: 'all' };
  const order: Array<'user' | 'client' | 'brand'> =
    caller.level === 'user' ? ['user', 'client', 'brand'] : caller.level === 'client' ? ['client', 'brand'] : ['brand'];
  for (const k of order) {
    if (!paths[k]) continue;
    const id = k === 'user' ? caller.userId : k === 'client' ? caller.clientId : caller.brandId;
    return id === null ? { kind: 'none' } : { kind: k, id };
  }
  return { kind: 'none' };
}

/** The owner ids a caller stamps on rows it creates (brand callers create inside their brand, …). */
export function ownerStamp(caller: CallerContext): { brand?: number; client?: number; user?: number } {
  const out: { brand?: number; client?: number; user?: number } = {};
  if (caller.level === 'platform') return out;
  if (caller.brandId !== null) out.brand = caller.brandId;
  if ((caller.level === 'client' || caller.level === 'user') && caller.clientId !== null) out.client = caller.clientId;
  if (caller.level === 'user' && caller.userId !== null) out.user = caller.userId;
  return out;
}

/** Which levels a caller at `level` may obtain by token exchange (emulation goes strictly downwards). */
export function canEmulate(from: Level, to: Level): boolean {
  const rank: Record<Level, number> = { platform: 0, brand: 1, client: 2, user: 3 };
  return rank[to] > rank[from] && to !== 'user';
}
