// Money: an integer count of 1/10000 of the currency unit (the docs' "4 decimals precision",
// seed 002 L2352–2545). Never a float: parsing and formatting go through strings, arithmetic
// through integers (BigInt only when a product would leave the safe-integer range).

/** Integer count of 1/10000 currency units. */
export type Money = number;

export const MONEY_SCALE = 10_000;
export const MONEY_DECIMALS = 4;

export type MoneyParseError = 'money_syntax' | 'money_too_many_decimals' | 'money_negative' | 'money_too_large';

export type MoneyParse = { ok: true; value: Money } | { ok: false; code: MoneyParseError; message: string };

const DECIMAL = /^(-)?(\d+)(?:\.(\d*))?$/;

/**
 * Parses a point-decimal string ('0.03', '12', '0.0300', '-1.5') into Money exactly.
 * At most 4 decimals; no thousands separators, no comma decimals, no exponent.
 */
export function parseMoney(text: string, opts: { allowNegative?: boolean } = {}): MoneyParse {
  const m = DECIMAL.exec(text);
  if (!m) return { ok: false, code: 'money_syntax', message: `"${text}" is not a point-decimal number` };
  const [, sign, int = '', frac = ''] = m;
  if (frac.length > MONEY_DECIMALS) {
    return { ok: false, code: 'money_too_many_decimals', message: `"${text}" has more than ${MONEY_DECIMALS} decimals` };
  }
  if (sign && !opts.allowNegative) return { ok: false, code: 'money_negative', message: `"${text}" is negative` };
  const digits = int.replace(/^0+(?=\d)/, '') + frac.padEnd(MONEY_DECIMALS, '0');
  const value = Number(digits);
  if (!Number.isSafeInteger(value)) return { ok: false, code: 'money_too_large', message: `"${text}" is too large` };
  return { ok: true, value: sign && value !== 0 ? -value : value };
}

/** Formats Money with exactly `decimals` (default 4) decimals: 300 → '0.0300'. Rounds half up when decimals < 4. */
export function formatMoney(value: Money, decimals: number = MONEY_DECIMALS): string {
  assertMoney(value);
  const neg = value < 0;
  let abs = Math.abs(value);
  const drop = MONEY_DECIMALS - decimals;
  if (drop > 0) abs = divRoundHalfUp(abs, 10 ** drop);
  const s = String(abs).padStart(decimals + 1, '0');
  const out = decimals > 0 ? `${s.slice(0, s.length - decimals)}.${s.slice(s.length - decimals)}` : s;
  return neg && abs !== 0 ? `-${out}` : out;
}

export function isMoney(value: unknown): value is Money {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

export function assertMoney(value: number): asserts value is Money {
  if (!Number.isSafeInteger(value)) throw new TypeError(`not an integer money amount: ${value}`);
}

/**
 * Exact `round_half_up(n / d)` for integers n ≥ 0, d > 0. Falls back to BigInt when `2n + d`
 * would not be exact in a double.
 */
export function divRoundHalfUp(n: number, d: number): number {
  const twice = 2 * n + d;
  if (Number.isSafeInteger(twice)) return floorDiv(twice, 2 * d);
  return Number((2n * BigInt(n) + BigInt(d)) / (2n * BigInt(d)));
}

/** Exact `round_half_up(a * b / d)` for non-negative integers, BigInt only when the product is unsafe. */
export function mulDivRoundHalfUp(a: number, b: number, d: number): number {
  const p = a * b;
  if (Number.isSafeInteger(p)) return divRoundHalfUp(p, d);
  const big = BigInt(a) * BigInt(b);
  return Number((2n * big + BigInt(d)) / (2n * BigInt(d)));
}

/** Exact `ceil(a * b / d)` for non-negative integers. */
export function mulDivCeil(a: number, b: number, d: number): number {
  const p = a * b;
  if (Number.isSafeInteger(p)) return floorDiv(p, d) + (p % d === 0 ? 0 : 1);
  const big = BigInt(a) * BigInt(b);
  const bd = BigInt(d);
  return Number((big + bd - 1n) / bd);
}

/** Exact floor(n / d) for safe integers n ≥ 0, d > 0 (`%` is exact on doubles, a float quotient is not). */
export function floorDiv(n: number, d: number): number {
  return (n - (n % d)) / d;
}
