import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALAW_DECODE, ULAW_DECODE, decodeG711, encodeG711 } from './g711.ts';

test('µ-law reference points (ITU-T G.711 table 2)', () => {
  // 0xff and 0x7f are the two zeros; 0x80 / 0x00 the extremes ±32124
  assert.equal(ULAW_DECODE[0xff], 0);
  assert.equal(ULAW_DECODE[0x7f], 0);
  assert.equal(ULAW_DECODE[0x80], 32124);
  assert.equal(ULAW_DECODE[0x00], -32124);
  assert.deepEqual([...encodeG711('pcmu', Int16Array.from([0, 32767, -32768]))], [0xff, 0x80, 0x00]);
});

test('A-law reference points (even bits inverted, 0xd5 / 0x55 around zero)', () => {
  assert.equal(ALAW_DECODE[0xd5], 8);
  assert.equal(ALAW_DECODE[0x55], -8);
  assert.equal(ALAW_DECODE[0xaa], 32256);
  assert.equal(ALAW_DECODE[0x2a], -32256);
  assert.deepEqual([...encodeG711('pcma', Int16Array.from([0, 32767, -32768]))], [0xd5, 0xaa, 0x2a]);
});

for (const law of ['pcmu', 'pcma'] as const) {
  test(`${law}: every code decodes and re-encodes to itself`, () => {
    const codes = Uint8Array.from({ length: 256 }, (_, i) => i);
    const again = encodeG711(law, decodeG711(law, codes));
    for (let c = 0; c < 256; c++) {
      // µ-law has two zeros (0x7f, 0xff): -0 encodes as +0
      if (law === 'pcmu' && c === 0x7f) assert.equal(again[c], 0xff);
      else assert.equal(again[c], c, `code ${c}`);
    }
  });

  test(`${law}: round trip error stays within the segment step (≤ 1/16 of magnitude + bias)`, () => {
    const samples = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);
    const back = decodeG711(law, encodeG711(law, samples));
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i] ?? 0;
      const err = Math.abs((back[i] ?? 0) - s);
      const limit = Math.abs(s) / 16 + 140; // last segment steps are 1024 (µ) / 1024 (A) at ~32k
      if (Math.abs(s) <= 32124) assert.ok(err <= limit, `${law} ${s} → ${back[i]}`);
    }
  });

  test(`${law}: encodes into a caller buffer without allocating`, () => {
    const out = Buffer.alloc(4);
    const r = encodeG711(law, Int16Array.from([1, 2, 3, 4]), out);
    assert.equal(r, out);
    assert.throws(() => encodeG711(law, new Int16Array(5), out), RangeError);
  });
}
