// Timings of rating-plan rows (seed-part1 §1.14 "Timing type": always, or given times of the week;
// details not in the docs, ambiguity 11). Decision: weekly windows of local wall-clock time in the
// plan's brand timezone, compiled to sorted, merged intervals of "seconds since local Monday 00:00".
// Wall-clock semantics means DST changes move the windows with the clock (08:00 is 08:00 local in
// winter and summer); a window inside a skipped hour simply never happens that day.
import type { Timing, Weekday, WeeklyWindow } from './model.ts';

export const WEEK_SECONDS = 7 * 86_400;
export const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** 'always', or sorted disjoint [start, end) intervals of week seconds. */
export type CompiledTiming = 'always' | readonly (readonly [number, number])[];

export type TimingCompile =
  | { ok: true; timing: CompiledTiming }
  | { ok: false; code: 'invalid_timing'; message: string };

const CLOCK = /^([01][0-9]|2[0-4]):([0-5][0-9])(?::([0-5][0-9]))?$/;

function clockSeconds(text: string): number | undefined {
  const m = CLOCK.exec(text);
  if (!m) return undefined;
  const s = Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3] ?? 0);
  return s <= 86_400 ? s : undefined;
}

export function compileTiming(timing: Timing): TimingCompile {
  if (timing === 'always') return { ok: true, timing: 'always' };
  if (timing.windows.length === 0) return { ok: false, code: 'invalid_timing', message: 'a weekly timing needs at least one window' };
  const raw: [number, number][] = [];
  for (const [i, w] of timing.windows.entries()) {
    const r = windowIntervals(w, raw);
    if (r) return { ok: false, code: 'invalid_timing', message: `window ${i}: ${r}` };
  }
  return { ok: true, timing: mergeIntervals(raw) };
}

function windowIntervals(w: WeeklyWindow, out: [number, number][]): string | undefined {
  const from = clockSeconds(w.from);
  const to = clockSeconds(w.to);
  if (from === undefined || from === 86_400) return `bad from "${w.from}" (HH:MM or HH:MM:SS, before 24:00)`;
  if (to === undefined) return `bad to "${w.to}" (HH:MM or HH:MM:SS, up to 24:00)`;
  if (from === to) return 'from and to are equal (use 00:00–24:00 for a whole day)';
  if (w.days.length === 0) return 'no days';
  for (const day of w.days) {
    const idx = WEEKDAYS.indexOf(day);
    if (idx < 0) return `bad day "${String(day)}"`;
    const base = idx * 86_400;
    if (from < to) {
      out.push([base + from, base + to]);
    } else {
      // Crosses midnight: starts on `day`, ends on the next day (Sunday wraps to Monday).
      out.push([base + from, base + 86_400]);
      const next = ((idx + 1) % 7) * 86_400;
      out.push([next, next + to]);
    }
  }
  return undefined;
}

function mergeIntervals(raw: [number, number][]): readonly (readonly [number, number])[] {
  raw.sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [s, e] of raw) {
    const last = out[out.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

/** Whether the compiled timing covers local week second `ws`. */
export function timingCovers(timing: CompiledTiming, ws: number): boolean {
  if (timing === 'always') return true;
  let lo = 0;
  let hi = timing.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const iv = timing[mid] as readonly [number, number];
    if (ws < iv[0]) hi = mid - 1;
    else if (ws >= iv[1]) lo = mid + 1;
    else return true;
  }
  return false;
}

export interface WeekGap {
  readonly from: string;
  readonly to: string;
}

/**
 * Gaps of the week not covered by any timing: a plan "MUST rate 24×7" (seed 002 L2373–2407).
 * Coverage is of local wall-clock time; an empty list means the plan always has a timed row.
 */
export function uncoveredWeek(timings: readonly CompiledTiming[]): WeekGap[] {
  if (timings.some((t) => t === 'always')) return [];
  const all = mergeIntervals(timings.flatMap((t) => (t === 'always' ? [] : t.map(([s, e]) => [s, e] as [number, number]))));
  const gaps: WeekGap[] = [];
  let cursor = 0;
  for (const [s, e] of all) {
    if (s > cursor) gaps.push({ from: weekLabel(cursor), to: weekLabel(s) });
    cursor = Math.max(cursor, e);
  }
  if (cursor < WEEK_SECONDS) gaps.push({ from: weekLabel(cursor), to: weekLabel(WEEK_SECONDS) });
  return gaps;
}

function weekLabel(ws: number): string {
  if (ws === WEEK_SECONDS) return 'sun 24:00';
  const day = WEEKDAYS[Math.floor(ws / 86_400)] as Weekday;
  const s = ws % 86_400;
  const hh = String(Math.floor(s / 3600)).padStart(2, '0');
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = s % 60;
  return `${day} ${hh}:${mm}${ss ? `:${String(ss).padStart(2, '0')}` : ''}`;
}
