// Differential test of the character scanner (rate-csv.ts) against the regex/split parser it replaced (kept
// below verbatim from the previous revision as the reference): on random lines over an alphabet of the
// characters the rules care about, both give the same rows or the same errors (code, line, column, message).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseMoney } from './money.ts';
import { PREFIX } from './model.ts';
import {
  DEFAULT_RATE_CSV_COLUMNS, parseRateCsv, type ImportedRate, type RateCsvColumns, type RateCsvError, type RateCsvErrorCode,
  type RateCsvOptions, type RateCsvResult,
} from './rate-csv.ts';
import type { Money } from './money.ts';

// ---- reference: the previous parser --------------------------------------------------------------------------
type FieldError = { ok: false; column: number; code: RateCsvErrorCode; message: string };

/** Splits one line into fields (RFC 4180 quoting, restricted as above). */
function splitCsvLine(line: string): { ok: true; fields: string[] } | FieldError {
  const fields: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    const column = fields.length + 1;
    while (i < n && (line[i] === ' ' || line[i] === '\t')) i++;
    if (line[i] === "'") return { ok: false, column, code: 'single_quote', message: 'single quotes are not supported: use double quotes' };
    if (line[i] === '"') {
      let value = '';
      let j = i + 1;
      for (;;) {
        const q = line.indexOf('"', j);
        if (q < 0) return { ok: false, column, code: 'unterminated_quote', message: 'quoted field not closed on this line' };
        value += line.slice(j, q);
        if (line[q + 1] === '"') {
          value += '"';
          j = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      while (i < n && (line[i] === ' ' || line[i] === '\t')) i++;
      if (i < n && line[i] !== ',') return { ok: false, column, code: 'text_after_quote', message: 'text after a closing quote' };
      fields.push(value);
    } else {
      const comma = line.indexOf(',', i);
      const end = comma < 0 ? n : comma;
      const value = line.slice(i, end).trimEnd();
      if (value.includes('"')) return { ok: false, column, code: 'stray_quote', message: 'a double quote inside an unquoted field' };
      fields.push(value);
      i = end;
    }
    if (i >= n) return { ok: true, fields };
    i++; // the comma
  }
}

class ReferenceParser {
  readonly #columns: RateCsvColumns;
  readonly #skipFirst: boolean;
  readonly #maxErrors: number;
  readonly #width: number;
  #rows: ImportedRate[] = [];
  #errors: RateCsvError[] = [];
  #errorCount = 0;
  #seen = new Map<string, number>();
  #line = 0;
  #rest = '';

  constructor(opts: RateCsvOptions = {}) {
    this.#columns = opts.columns ?? DEFAULT_RATE_CSV_COLUMNS;
    this.#skipFirst = opts.skipFirstLine ?? false;
    this.#maxErrors = opts.maxErrors ?? 100;
    const c = this.#columns;
    this.#width = Math.max(c.name, c.prefix, c.perMinuteRate, c.connectionCharge, c.chargePeriod, c.intervalStart ?? 0) + 1;
  }

  /** Feeds a chunk of text; complete lines are parsed now, a partial last line waits for more. */
  write(chunk: string): void {
    const text = this.#rest + chunk;
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      this.pushLine(text.slice(start, nl));
      start = nl + 1;
    }
    this.#rest = text.slice(start);
  }

  /** Parses one line (without its newline; a trailing CR is ignored). */
  pushLine(raw: string): void {
    const lineNo = ++this.#line;
    let line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (lineNo === 1 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    if (lineNo === 1 && this.#skipFirst) return;
    if (line.trim() === '') return;
    const split = splitCsvLine(line);
    if (!split.ok) return this.#fail({ line: lineNo, column: split.column, code: split.code, message: split.message });
    const f = split.fields;
    if (f.length < this.#width) {
      return this.#fail({ line: lineNo, column: f.length + 1, code: 'missing_column', message: `expected at least ${this.#width} columns, got ${f.length}` });
    }
    const c = this.#columns;
    const at = (field: keyof RateCsvColumns, idx: number) => ({ line: lineNo, column: idx + 1, field });
    let bad = false;
    const err = (e: RateCsvError) => {
      bad = true;
      this.#fail(e);
    };
    const name = (f[c.name] as string).trim();
    if (name === '') err({ ...at('name', c.name), code: 'missing_name', message: 'destination name is empty' });
    const prefix = f[c.prefix] as string;
    if (!prefix.startsWith('+')) err({ ...at('prefix', c.prefix), code: 'prefix_without_plus', message: `prefix "${prefix}" must start with '+'` });
    else if (!PREFIX.test(prefix)) err({ ...at('prefix', c.prefix), code: 'invalid_prefix', message: `prefix "${prefix}" must be '+' and 1–15 digits` });
    else {
      const first = this.#seen.get(prefix);
      if (first !== undefined) err({ ...at('prefix', c.prefix), code: 'duplicate_prefix', message: `prefix ${prefix} already on line ${first}` });
      else this.#seen.set(prefix, lineNo);
    }
    const perMinuteRate = this.#amount(f[c.perMinuteRate] as string, at('perMinuteRate', c.perMinuteRate), err);
    const connectionCharge = this.#amount(f[c.connectionCharge] as string, at('connectionCharge', c.connectionCharge), err);
    const period = f[c.chargePeriod] as string;
    const chargePeriod = /^[0-9]{1,9}$/.test(period) ? Number(period) : 0;
    if (chargePeriod < 1) err({ ...at('chargePeriod', c.chargePeriod), code: 'invalid_charge_period', message: `charge period "${period}" must be an integer ≥ 1` });
    let intervalStart = 0;
    if (c.intervalStart !== undefined) {
      const v = f[c.intervalStart] as string;
      if (v !== '' && !/^[0-9]{1,9}$/.test(v)) {
        err({ ...at('intervalStart', c.intervalStart), code: 'invalid_interval_start', message: `interval start "${v}" must be an integer ≥ 0` });
      } else intervalStart = v === '' ? 0 : Number(v);
    }
    if (bad || this.#errorCount > 0) return; // all-or-nothing: stop keeping rows after the first error
    this.#rows.push({ line: lineNo, name, prefix, perMinuteRate, connectionCharge, chargePeriod, intervalStart });
  }

  /** Ends the input and returns every row or every error. */
  end(): RateCsvResult {
    if (this.#rest !== '') {
      const last = this.#rest;
      this.#rest = '';
      this.pushLine(last);
    }
    if (this.#errorCount === 0 && this.#rows.length === 0) {
      this.#fail({ line: this.#line, code: 'no_rows', message: 'the file has no rate rows' });
    }
    if (this.#errorCount > 0) return { ok: false, errors: this.#errors, errorCount: this.#errorCount };
    return { ok: true, rows: this.#rows };
  }

  #amount(text: string, where: { line: number; column: number; field: keyof RateCsvColumns }, err: (e: RateCsvError) => void): Money {
    const r = parseMoney(text);
    if (r.ok) return r.value;
    const code: RateCsvErrorCode =
      r.code === 'money_too_many_decimals' ? 'too_many_decimals' : r.code === 'money_negative' ? 'negative_amount' : 'invalid_decimal';
    err({ ...where, code, message: `${where.field}: ${r.message} (point decimal, at most 4 decimals)` });
    return 0;
  }

  #fail(e: RateCsvError): void {
    this.#errorCount++;
    if (this.#errors.length < this.#maxErrors) this.#errors.push(e);
    this.#rows = [];
  }
}


function referenceParse(text: string, opts: RateCsvOptions = {}): RateCsvResult {
  const p = new ReferenceParser(opts);
  p.write(text);
  return p.end();
}

// ---- the property --------------------------------------------------------------------------------------------

const PIECES = ['a', 'Zo', ' ', '\t', ',', ',', ',', '"', '""', "'", '+', '+34', '-', '.', '0', '1', '9', '12', '0.0300', '\r', '\u00a0', 'é',
  '\ufeff', '123456789012345', '1234567890123456', '99999999999999999999'];
const line = fc.array(fc.constantFrom(...PIECES), { maxLength: 14 }).map((p) => p.join(''));
const good = fc.tuple(fc.constantFrom('Spain', '"Korea, Rep"', ' x ', ''), fc.constantFrom('+34', '+3491', '34', '+34a', '+1', ' +7 '),
  fc.constantFrom('0.02', '1.', '.5', '-0', '0.00001', '7', ' 0.1 ', '"0.2"'), fc.constantFrom('0', '0.01', 'x'),
  fc.constantFrom('1', '60', '0', '1.5', '', '"30"'), fc.constantFrom('', ',', ',5', ',-1', ', ', ',"3"'))
  .map((f) => `${f[0]},${f[1]},${f[2]},${f[3]},${f[4]}${f[5]}`);
const file = fc.array(fc.oneof(line, good, good), { maxLength: 8 }).map((ls) => ls.join('\n'));
const options = fc.constantFrom<RateCsvOptions>({}, { skipFirstLine: true }, { maxErrors: 2 },
  { columns: { ...DEFAULT_RATE_CSV_COLUMNS, intervalStart: 5 } }, { columns: { name: 2, prefix: 0, perMinuteRate: 1, connectionCharge: 3, chargePeriod: 4 } });

test('the scanner and the previous parser agree on every input', () => {
  fc.assert(fc.property(file, options, (text, opts) => {
    assert.deepEqual(parseRateCsv(text, opts), referenceParse(text, opts));
  }), { numRuns: 3000 });
});
