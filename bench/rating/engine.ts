// Rating engine micro-benchmark (pure engine, one core): builds a 100 000-prefix deck, rates
// 1 000 000 synthetic calls with price(), parses a 100 000-row rate CSV, prints calls/s, rows/s
// and peak RSS. Run: node --import tsx bench/rating/engine.ts [calls] [prefixes]
import { performance } from 'node:perf_hooks';
import { compileDestinationRate, compileRatingPlan, type CompiledDestinationRate } from '../../src/domain/rating/catalog.ts';
import { price } from '../../src/domain/rating/price.ts';
import { RateCsvParser } from '../../src/domain/rating/rate-csv.ts';
import type { DestinationRate, Rate, RatingPlan, RatingProfile } from '../../src/domain/rating/model.ts';

const CALLS = Number(process.argv[2] ?? 1_000_000);
const PREFIXES = Number(process.argv[3] ?? 100_000);

// Deterministic PRNG (mulberry32) so runs are comparable.
let seed = 0x5eed;
function rnd(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const digits = (n: number) => Array.from({ length: n }, () => Math.floor(rnd() * 10)).join('');

// Deck: unique prefixes of 2–9 digits (country code + operator ranges), like a carrier A-Z deck.
const prefixes = new Set<string>();
while (prefixes.size < PREFIXES) prefixes.add(`+${1 + Math.floor(rnd() * 9)}${digits(1 + Math.floor(rnd() * 8))}`);
const prefixList = [...prefixes];
const rates: Rate[] = prefixList.map((prefix, i) => ({
  prefix, connectionCharge: i % 7 === 0 ? 100 : 0, intervalStart: i % 11 === 0 ? 5 : 0,
  perMinuteRate: 10 + (i % 5000), chargePeriod: i % 3 === 0 ? 60 : 1,
}));
const deck: DestinationRate = { id: 1, name: 'A-Z', currency: 'EUR', deductibleConnectionFee: false, rates };
const peak: DestinationRate = { id: 2, name: 'peak', currency: 'EUR', deductibleConnectionFee: true, rates: prefixList.slice(0, 500).map((p) => ({ prefix: p, connectionCharge: 50, intervalStart: 0, perMinuteRate: 900, chargePeriod: 1 })) };
const plan: RatingPlan = {
  id: 1, name: 'retail', currency: 'EUR',
  rows: [
    { destinationRateId: 1, weight: 1, timing: 'always' },
    { destinationRateId: 2, weight: 5, timing: { kind: 'weekly', windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '20:00' }] } },
  ],
};

const t0 = performance.now();
const drs = new Map<number, CompiledDestinationRate>();
for (const dr of [deck, peak]) {
  const c = compileDestinationRate(dr);
  if (!c.ok) throw new Error(c.message);
  drs.set(dr.id, c.value);
}
const compiled = compileRatingPlan(plan, drs, 'Europe/Madrid');
if (!compiled.ok) throw new Error(compiled.message);
const buildMs = performance.now() - t0;
const catalog = { plans: new Map([[1, compiled.value]]) };

// Subjects: 1000 clients with 1–3 profiles (older ones first); calls over a month of start times.
const base = Date.UTC(2024, 0, 1);
const subjects = Array.from({ length: 1000 }, (_, i) => {
  const profiles: RatingProfile[] = [{ ratingPlanId: 1, activationTime: base - 86_400_000 }];
  if (i % 2) profiles.push({ ratingPlanId: 1, activationTime: base + 10 * 86_400_000 });
  if (i % 3 === 0) profiles.push({ ratingPlanId: 1, activationTime: base + 20 * 86_400_000, routingTag: '1#' });
  return { currency: 'EUR', profiles };
});
// Pre-generate calls so the loop measures rating only: 90 % numbers under a deck prefix.
const numbers = Array.from({ length: 20_000 }, () => {
  const p = prefixList[Math.floor(rnd() * prefixList.length)] as string;
  return rnd() < 0.9 ? (p + digits(12)).slice(0, 13) : `+0${digits(10)}`;
});
const starts = Array.from({ length: 4096 }, () => base + Math.floor(rnd() * 30 * 86_400_000));
const durations = Array.from({ length: 4096 }, () => Math.floor(rnd() * 600_000) / 1000);

function rateAll(n: number): { ms: number; rated: number; total: number } {
  let rated = 0;
  let total = 0;
  const s = performance.now();
  for (let i = 0; i < n; i++) {
    const r = price(catalog, subjects[i % 1000] as (typeof subjects)[number], {
      number: numbers[i % numbers.length] as string,
      startedAt: starts[i & 4095] as number,
      durationSeconds: durations[(i * 7) & 4095] as number,
    });
    if (r.ok) {
      rated++;
      total += r.charge.total;
    }
  }
  return { ms: performance.now() - s, rated, total };
}
rateAll(50_000); // warm-up (JIT)
const run = rateAll(CALLS);

// CSV: 100 000 rows in the recommended format, fed in 64 KiB chunks like a file stream.
const csvRows = Math.min(PREFIXES, 100_000);
const lines: string[] = [];
for (let i = 0; i < csvRows; i++) {
  const r = rates[i] as Rate;
  lines.push(`${i % 10 === 0 ? `"Dest, ${i}"` : `Dest ${i}`},${r.prefix},${(r.perMinuteRate / 10_000).toFixed(4)},${(r.connectionCharge / 10_000).toFixed(4)},${r.chargePeriod}`);
}
const csv = lines.join('\n');
lines.length = 0;
const c0 = performance.now();
const parser = new RateCsvParser();
for (let off = 0; off < csv.length; off += 65_536) parser.write(csv.slice(off, off + 65_536));
const parsed = parser.end();
const csvMs = performance.now() - c0;
if (!parsed.ok) throw new Error(`csv: ${parsed.errors[0]?.message}`);

const rssMb = process.resourceUsage().maxRSS / 1024;
console.log(`deck: ${PREFIXES} prefixes + 500 timed, compiled in ${buildMs.toFixed(0)} ms`);
console.log(`rating: ${CALLS} calls in ${run.ms.toFixed(0)} ms = ${Math.round((CALLS / run.ms) * 1000).toLocaleString('en')} calls/s (${run.rated} rated, checksum ${run.total})`);
console.log(`csv: ${parsed.rows.length} rows (${(csv.length / 1e6).toFixed(1)} MB) in ${csvMs.toFixed(0)} ms = ${Math.round((parsed.rows.length / csvMs) * 1000).toLocaleString('en')} rows/s`);
console.log(`peak RSS: ${rssMb.toFixed(0)} MB`);
