// Small statistics for the benches' reports.

/**
 * Distribution-free confidence interval of the median (order statistics, sign test): the widest-inward pair
 * (x(k), x(n+1-k)) of the sorted ratios whose coverage is still at least 90 %, and that coverage (with 4 values or
 * fewer: min and max, whose coverage is below 90 %). Few rounds give a wide interval: an A/A run (the same checkout
 * on both sides) of 8 rounds here gave a median of 1.069 whose interval held 1, which is what the interval is for.
 */
export function medianInterval(xs: number[]): { low: number; high: number; coverage: number } {
  const s = [...xs].sort((x, y) => x - y);
  const n = s.length;
  // P(Binomial(n, 1/2) <= j)
  const cdf = (j: number): number => {
    let p = 0;
    let c = 1;
    for (let i = 0; i <= j; i++) {
      p += c;
      c = (c * (n - i)) / (i + 1);
    }
    return p / 2 ** n;
  };
  let k = 1;
  while (k + 1 <= n / 2 && 1 - 2 * cdf(k) >= 0.9) k++;
  return { low: s[k - 1] as number, high: s[n - k] as number, coverage: 1 - 2 * cdf(k - 1) };
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
