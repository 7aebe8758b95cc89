// The feature catalogue (seed-part1 §1.1 "Features"): the god chooses a brand's features; clients get a subset
// limited to what the brand has. Some features are brand-only (cannot be assigned to clients).
// The seed does not enumerate the full list [decide]: this catalogue follows IvozProvider's.

export const FEATURES = [
  'billing', 'invoices', 'vpbx', 'residential', 'retail', 'wholesale',
  'recordings', 'faxes', 'friends', 'conferences', 'queues', 'progress',
] as const;
export type Feature = (typeof FEATURES)[number];

/** Features that only make sense at brand level: billing/invoicing switches and the client types themselves. */
export const BRAND_ONLY_FEATURES: readonly Feature[] = ['billing', 'invoices', 'vpbx', 'residential', 'retail', 'wholesale'];

export function isFeature(s: string): s is Feature {
  return (FEATURES as readonly string[]).includes(s);
}

/** Features in `wanted` that are not in `allowed` (empty when `wanted` ⊆ `allowed`). */
export function missingFeatures(wanted: readonly string[], allowed: readonly string[]): string[] {
  const set = new Set(allowed);
  return [...new Set(wanted)].filter((f) => !set.has(f));
}

/** Brand features gate the brand SIP domain: only with retail or residential (seed-part1 §1.1, L1013). */
export function brandNeedsSipDomain(features: readonly string[]): boolean {
  return features.includes('retail') || features.includes('residential');
}
