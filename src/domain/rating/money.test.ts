import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { divRoundHalfUp, floorDiv, formatMoney, mulDivCeil, mulDivRoundHalfUp, parseMoney } from './money.ts';

test('parseMoney reads point decimals exactly into 1/10000 units', () => {
  assert.deepEqual(parseMoney('0.03'), { ok: true, value: 300 });
  assert.deepEqual(parseMoney('0.0300'), { ok: true, value: 300 });
  assert.deepEqual(parseMoney('12'), { ok: true, value: 120000 });
  assert.deepEqual(parseMoney('1.'), { ok: true, value: 10000 });
  assert.deepEqual(parseMoney('0.0001'), { ok: true, value: 1 });
  assert.deepEqual(parseMoney('-1.5', { allowNegative: true }), { ok: true, value: -15000 });
  assert.deepEqual(parseMoney('-0', { allowNegative: true }), { ok: true, value: 0 });
});

test('parseMoney refuses what is not a 4-decimal point number', () => {
  const precise = parseMoney('0.00001');
  assert.equal(!precise.ok && precise.code, 'money_too_many_decimals');
  for (const bad of ['0,03', '', '.5', '1e3', ' 1', '1.2.3', 'abc', '+1']) {
    const r = parseMoney(bad);
    assert.equal(r.ok, false, bad);
    assert.equal(!r.ok && r.code, 'money_syntax', bad);
  }
  const neg = parseMoney('-1');
  assert.equal(!neg.ok && neg.code, 'money_negative');
  const huge = parseMoney('99999999999999999');
  assert.equal(!huge.ok && huge.code, 'money_too_large');
});

test('formatMoney prints 4 decimals, or fewer rounded half up', () => {
  assert.equal(formatMoney(300), '0.0300');
  assert.equal(formatMoney(0), '0.0000');
  assert.equal(formatMoney(-30), '-0.0030');
  assert.equal(formatMoney(1234567), '123.4567');
  assert.equal(formatMoney(1250, 2), '0.13');
  assert.equal(formatMoney(1249, 2), '0.12');
  assert.equal(formatMoney(15000, 0), '2');
  assert.throws(() => formatMoney(0.5));
});

test('parse ∘ format is the identity on integers', () => {
  fc.assert(
    fc.property(fc.integer({ min: -1e12, max: 1e12 }), (v) => {
      const r = parseMoney(formatMoney(v), { allowNegative: true });
      assert.deepEqual(r, { ok: true, value: v });
    }),
  );
});

test('integer division helpers are exact, including beyond 2^53 products', () => {
  assert.equal(divRoundHalfUp(5, 2), 3);
  assert.equal(divRoundHalfUp(4, 3), 1);
  assert.equal(divRoundHalfUp(5, 3), 2);
  assert.equal(floorDiv(7, 2), 3);
  assert.equal(mulDivCeil(7, 1, 2), 4);
  assert.equal(mulDivCeil(6, 1, 2), 3);
  // (2^40 + 1)(2^20 + 3) is beyond 2^53 and odd: a double would lose its last bits.
  const a = 2 ** 40 + 1;
  const b = 2 ** 20 + 3;
  const d = 2 ** 20 - 1;
  const exact = BigInt(a) * BigInt(b);
  assert.equal(mulDivRoundHalfUp(a, b, d), Number((2n * exact + BigInt(d)) / (2n * BigInt(d))));
  assert.equal(mulDivCeil(a, b, d), Number((exact + BigInt(d) - 1n) / BigInt(d)));
  fc.assert(
    fc.property(fc.nat(1e9), fc.nat(1e9), fc.integer({ min: 1, max: 1e6 }), (a, b, d) => {
      const big = BigInt(a) * BigInt(b);
      const bd = BigInt(d);
      assert.equal(mulDivRoundHalfUp(a, b, d), Number((2n * big + bd) / (2n * bd)));
      assert.equal(mulDivCeil(a, b, d), Number((big + bd - 1n) / bd));
    }),
  );
});
