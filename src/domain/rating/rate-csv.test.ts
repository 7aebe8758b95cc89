import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRateCsv, RateCsvParser, splitCsvLine, type RateCsvResult } from './rate-csv.ts';
import { m } from './test-fixtures.ts';

function errors(r: RateCsvResult) {
  assert.equal(r.ok, false, 'expected the import to fail');
  return r.ok ? [] : r.errors.map((e) => ({ line: e.line, column: e.column, code: e.code }));
}

test('the recommended format parses, quoted names keep commas and doubled quotes', () => {
  const r = parseRateCsv('Spain,+34,0.02,0.01,60\n"Korea, Republic of",+82,0.0350,0,1\n"The ""Best"" Isle",+999,1,0.5,30\r\n');
  assert.ok(r.ok);
  assert.deepEqual(r.rows, [
    { line: 1, name: 'Spain', prefix: '+34', perMinuteRate: m('0.02'), connectionCharge: m('0.01'), chargePeriod: 60, intervalStart: 0 },
    { line: 2, name: 'Korea, Republic of', prefix: '+82', perMinuteRate: m('0.035'), connectionCharge: 0, chargePeriod: 1, intervalStart: 0 },
    { line: 3, name: 'The "Best" Isle', prefix: '+999', perMinuteRate: m('1'), connectionCharge: m('0.5'), chargePeriod: 30, intervalStart: 0 },
  ]);
});

test('header skipping, blank lines, BOM, column mapping with interval start', () => {
  const text = '\ufeffprefix;ignored,x,name,per minute,connection,period,interval\n\n+34,x,Spain,0.02,0,60,10\n+33,y,France,0.01,0,1,\n';
  const r = parseRateCsv(text, {
    skipFirstLine: true,
    columns: { prefix: 0, name: 2, perMinuteRate: 3, connectionCharge: 4, chargePeriod: 5, intervalStart: 6 },
  });
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  assert.deepEqual(r.rows.map((x) => [x.line, x.name, x.prefix, x.intervalStart]), [[3, 'Spain', '+34', 10], [4, 'France', '+33', 0]]);
  // without skipping, the header line is an error on line 1
  const noskip = parseRateCsv(text, { columns: { prefix: 0, name: 2, perMinuteRate: 3, connectionCharge: 4, chargePeriod: 5 } });
  assert.deepEqual(errors(noskip)[0], { line: 1, column: 1, code: 'prefix_without_plus' });
});

test('malformed files, one per rule, each with its line and column', () => {
  const cases: [string, { line: number; column: number | undefined; code: string }][] = [
    ["Spain,+34,0.02,0.01,60\n'Spain',+35,0.02,0.01,60", { line: 2, column: 1, code: 'single_quote' }],
    ['Spain,+34,0.02,0.01,60\nSpain,+35,\'0.02\',0.01,60', { line: 2, column: 3, code: 'single_quote' }],
    ['"Korea, Republic,+82,0.02,0,1', { line: 1, column: 1, code: 'unterminated_quote' }],
    ['"Korea" x,+82,0.02,0,1', { line: 1, column: 1, code: 'text_after_quote' }],
    ['Kor"ea,+82,0.02,0,1', { line: 1, column: 1, code: 'stray_quote' }],
    ['Spain;+34;0.02;0.01;60', { line: 1, column: 2, code: 'missing_column' }],
    ['Spain,+34,0.02,0.01', { line: 1, column: 5, code: 'missing_column' }],
    [' ,+34,0.02,0.01,60', { line: 1, column: 1, code: 'missing_name' }],
    ['Spain,0034,0.02,0.01,60', { line: 1, column: 2, code: 'prefix_without_plus' }],
    ['Spain,+34a,0.02,0.01,60', { line: 1, column: 2, code: 'invalid_prefix' }],
    ['Spain,+34,0.02,0.01,60\nFrance,+33,0.02,0.01,60\nSpain again,+34,0.03,0,1', { line: 3, column: 2, code: 'duplicate_prefix' }],
    ['Spain,+34,"0,02",0.01,60', { line: 1, column: 3, code: 'invalid_decimal' }],
    ['Spain,+34,0.02,0.00001,60', { line: 1, column: 4, code: 'too_many_decimals' }],
    ['Spain,+34,-0.02,0.01,60', { line: 1, column: 3, code: 'negative_amount' }],
    ['Spain,+34,0.02,0.01,0', { line: 1, column: 5, code: 'invalid_charge_period' }],
    ['Spain,+34,0.02,0.01,1.5', { line: 1, column: 5, code: 'invalid_charge_period' }],
    ['', { line: 0, column: undefined, code: 'no_rows' }],
    ['name,prefix\n', { line: 1, column: undefined, code: 'no_rows' }],
  ];
  for (const [text, expected] of cases) {
    const r = parseRateCsv(text, text.startsWith('name,') ? { skipFirstLine: true } : {});
    assert.deepEqual(errors(r), [expected], text);
    if (!r.ok) assert.ok((r.errors[0]?.message.length ?? 0) > 5);
  }
  const interval = parseRateCsv('Spain,+34,0.02,0.01,60,-3', { columns: { name: 0, prefix: 1, perMinuteRate: 2, connectionCharge: 3, chargePeriod: 4, intervalStart: 5 } });
  assert.deepEqual(errors(interval), [{ line: 1, column: 6, code: 'invalid_interval_start' }]);
});

test('all-or-nothing: every error is reported and no rows are returned', () => {
  const r = parseRateCsv('Spain,+34,0.02,0.01,60\nBad,34,x,0.01,0\nFrance,+33,0.02,0.01,60\n');
  assert.deepEqual(errors(r), [
    { line: 2, column: 2, code: 'prefix_without_plus' },
    { line: 2, column: 3, code: 'invalid_decimal' },
    { line: 2, column: 5, code: 'invalid_charge_period' },
  ]);
  const many = parseRateCsv(Array.from({ length: 500 }, (_, i) => `x,${i},1,0,1`).join('\n'), { maxErrors: 10 });
  assert.ok(!many.ok);
  assert.equal(many.errors.length, 10);
  assert.equal(many.errorCount, 500);
});

test('streaming: chunks split anywhere give the same result as the whole text', () => {
  const text = 'Spain,+34,0.02,0.01,60\r\n"Korea, Rep",+82,0.0350,0,1\nFrance,+33,0.01,0,1';
  const whole = parseRateCsv(text);
  for (let cut = 0; cut <= text.length; cut++) {
    const p = new RateCsvParser();
    p.write(text.slice(0, cut));
    p.write(text.slice(cut));
    assert.deepEqual(p.end(), whole);
  }
});

test('splitCsvLine keeps empty fields and spaces inside quotes', () => {
  assert.deepEqual(splitCsvLine('a,,"  b ",c '), { ok: true, fields: ['a', '', '  b ', 'c'] });
  assert.deepEqual(splitCsvLine(''), { ok: true, fields: [''] });
  assert.deepEqual(splitCsvLine('"",x'), { ok: true, fields: ['', 'x'] });
});
