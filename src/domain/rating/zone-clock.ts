// Local wall-clock time of a UTC instant in an IANA timezone, via Intl (full ICU ships with Node).
// Intl formatting costs microseconds, so offsets are cached per UTC hour: an hour whose start and
// end have the same offset has no transition inside (zones change offset at most a few times a
// year), so every instant in it shares that offset; hours with a transition are computed exactly.

const HOUR_MS = 3_600_000;
const MAX_CACHE = 50_000;

export interface LocalTime {
  /** 0 = Monday … 6 = Sunday (ISO order). */
  readonly weekday: number;
  /** Seconds since local midnight. */
  readonly secondOfDay: number;
  /** Local calendar date 'YYYY-MM-DD'. */
  readonly date: string;
}

export class ZoneClock {
  readonly timeZone: string;
  #fmt: Intl.DateTimeFormat;
  #cache = new Map<number, number>();

  /** Throws RangeError for an unknown timezone; use `ZoneClock.check` to get a value instead. */
  constructor(timeZone: string) {
    this.#fmt = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    this.timeZone = timeZone;
  }

  static check(timeZone: string): boolean {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone });
      return true;
    } catch {
      return false;
    }
  }

  /** Offset (local − UTC) in milliseconds at `utcMs`. */
  offsetAt(utcMs: number): number {
    const bucket = Math.floor(utcMs / HOUR_MS);
    const cached = this.#cache.get(bucket);
    if (cached !== undefined) return cached;
    const start = this.#exactOffset(bucket * HOUR_MS);
    const end = this.#exactOffset(bucket * HOUR_MS + HOUR_MS - 1000);
    if (start !== end) return this.#exactOffset(utcMs);
    if (this.#cache.size >= MAX_CACHE) this.#cache.clear();
    this.#cache.set(bucket, start);
    return start;
  }

  /** Local time at `utcMs` (UTC epoch milliseconds). */
  local(utcMs: number): LocalTime {
    const localMs = utcMs + this.offsetAt(utcMs);
    const d = new Date(localMs);
    const weekday = (d.getUTCDay() + 6) % 7;
    const secondOfDay = Math.floor((localMs - Math.floor(localMs / 86_400_000) * 86_400_000) / 1000);
    const date = `${String(d.getUTCFullYear()).padStart(4, '0')}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
    return { weekday, secondOfDay, date };
  }

  /** Seconds since local Monday 00:00 at `utcMs`. */
  weekSecond(utcMs: number): number {
    const localMs = utcMs + this.offsetAt(utcMs);
    const days = Math.floor(localMs / 86_400_000);
    // 1970-01-01 was a Thursday (ISO index 3).
    const weekday = (((days + 3) % 7) + 7) % 7;
    return weekday * 86_400 + Math.floor((localMs - days * 86_400_000) / 1000);
  }

  #exactOffset(utcMs: number): number {
    const whole = utcMs - (((utcMs % 1000) + 1000) % 1000);
    let y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    for (const p of this.#fmt.formatToParts(whole)) {
      switch (p.type) {
        case 'year': y = Number(p.value); break;
        case 'month': mo = Number(p.value); break;
        case 'day': d = Number(p.value); break;
        case 'hour': h = Number(p.value); break;
        case 'minute': mi = Number(p.value); break;
        case 'second': s = Number(p.value); break;
        default: break;
      }
    }
    return Date.UTC(y, mo - 1, d, h, mi, s) - whole;
  }
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
