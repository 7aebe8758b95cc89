// Result-value parsing shared by both backends, so a row read through PGlite and through `pg` has the same JS
// shape (tests in test/store/types.test.ts hold the two together). Only types whose defaults differ, or whose
// defaults are wrong for us, are listed; everything else keeps each driver's default (numeric → string,
// json/jsonb → parsed value, bool → boolean, int2/int4/float → number, text[] → string[]).

/** PostgreSQL type OIDs (pg_type.oid) we parse ourselves. */
export const OID = {
  int8: 20,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
  int8Array: 1016,
  dateArray: 1182,
  timestampArray: 1115,
  timestamptzArray: 1185,
} as const;

/**
 * int8 → `number` when it fits in 2^53 (money in 1/10000 units, counts, ids always do), else `bigint`, so an
 * out-of-range value is never silently rounded. Same rule PGlite applies by default; `pg` would return a string.
 */
export function parseInt8(text: string): number | bigint {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}

/**
 * date → 'YYYY-MM-DD' string. A calendar date has no instant: turning it into a `Date` (pg does, at local
 * midnight; PGlite at UTC midnight) invites off-by-one-day bugs around timezones.
 */
export function parseDate(text: string): string {
  return text;
}

/**
 * timestamp (without time zone) → `Date`, read as UTC (we store UTC everywhere). `pg` would read it in the
 * process's local zone. 'infinity'/'-infinity' come back as ±Infinity-valued Dates would be invalid, so they
 * stay strings.
 */
export function parseTimestamp(text: string): Date | string {
  if (text === 'infinity' || text === '-infinity' || text.endsWith(' BC')) return text;
  return new Date(`${text.replace(' ', 'T')}Z`);
}

/** Scalar parsers by OID; array OIDs map to the scalar OID of their elements. */
export const scalarParsers: Record<number, (text: string) => unknown> = {
  [OID.int8]: parseInt8,
  [OID.date]: parseDate,
  [OID.timestamp]: parseTimestamp,
};

export const arrayElementOid: Record<number, number> = {
  [OID.int8Array]: OID.int8,
  [OID.dateArray]: OID.date,
  [OID.timestampArray]: OID.timestamp,
};
