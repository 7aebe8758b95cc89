// Where an extension (and later DDIs, IVR entries, forwards…) sends a call: ONE union type instead of N nullable
// foreign keys in code (DESIGN.md "What hurts elsewhere"). The store keeps the target in typed nullable columns
// guarded by a CHECK constraint (only the column of the chosen type is set); this file converts both ways.
// Extension routes: seed-part2 §1.4, plus conference room and voicemail (§4 ambiguity 1).

export const ROUTE_TYPES = [
  'unassigned',
  'user',
  'ivr',
  'huntGroup',
  'friend',
  'queue',
  'conditionalRoute',
  'number',
  'conferenceRoom',
  'voicemail',
] as const;
export type RouteType = (typeof ROUTE_TYPES)[number];

/** Route types whose target entity exists in this version; the others are rejected until their issue lands. */
export const AVAILABLE_ROUTE_TYPES: readonly RouteType[] = ['unassigned', 'user', 'number'];

export type RouteTarget =
  | { readonly type: 'unassigned' }
  | { readonly type: 'number'; readonly number: string }
  | { readonly type: Exclude<RouteType, 'unassigned' | 'number'>; readonly id: number };

/** The typed target column of each id-valued route type (field names; snake_case in SQL). */
export const TARGET_COLUMNS = {
  user: 'userId',
  ivr: 'ivrId',
  huntGroup: 'huntGroupId',
  friend: 'friendId',
  queue: 'queueId',
  conditionalRoute: 'conditionalRouteId',
  conferenceRoom: 'conferenceRoomId',
  voicemail: 'voicemailId',
} as const satisfies Record<Exclude<RouteType, 'unassigned' | 'number'>, string>;

export const NUMBER_COLUMN = 'numberValue';

/** Every target column, id-valued and number. */
export const ALL_TARGET_COLUMNS: readonly string[] = [...Object.values(TARGET_COLUMNS), NUMBER_COLUMN];

export type TargetColumns = Partial<Record<string, number | string | null>>;

/** The column a route type stores its target in (null for `unassigned`). */
export function targetColumn(type: RouteType): string | null {
  if (type === 'unassigned') return null;
  if (type === 'number') return NUMBER_COLUMN;
  return TARGET_COLUMNS[type];
}

/** Target → column values: every target column, null except the chosen one. */
export function toColumns(t: RouteTarget): Record<string, number | string | null> {
  const out: Record<string, number | string | null> = {};
  for (const c of ALL_TARGET_COLUMNS) out[c] = null;
  if (t.type === 'number') out[NUMBER_COLUMN] = t.number;
  else if (t.type !== 'unassigned') out[TARGET_COLUMNS[t.type]] = t.id;
  return out;
}

export type RouteTargetResult =
  | { readonly ok: true; readonly target: RouteTarget }
  | { readonly ok: false; readonly code: 'TARGET_MISSING' | 'TARGET_EXTRA' | 'UNKNOWN_ROUTE_TYPE'; readonly column: string; readonly message: string };

/**
 * Columns → target. Fails when the chosen type's column is empty or another target column is set (the same rule
 * as the CHECK constraint, so the API can answer with a field error before the database refuses).
 */
export function fromColumns(type: string, cols: TargetColumns): RouteTargetResult {
  if (!(ROUTE_TYPES as readonly string[]).includes(type)) {
    return { ok: false, code: 'UNKNOWN_ROUTE_TYPE', column: 'routeType', message: `unknown route type ${type}` };
  }
  const rt = type as RouteType;
  const own = targetColumn(rt);
  for (const c of ALL_TARGET_COLUMNS) {
    if (c !== own && cols[c] !== null && cols[c] !== undefined) {
      return { ok: false, code: 'TARGET_EXTRA', column: c, message: `${c} must be empty when routeType is ${rt}` };
    }
  }
  if (own === null) return { ok: true, target: { type: 'unassigned' } };
  const v = cols[own];
  if (v === null || v === undefined) {
    return { ok: false, code: 'TARGET_MISSING', column: own, message: `${own} is required when routeType is ${rt}` };
  }
  if (rt === 'number') return { ok: true, target: { type: 'number', number: String(v) } };
  return { ok: true, target: { type: rt as Exclude<RouteType, 'unassigned' | 'number'>, id: Number(v) } };
}
