import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ToneGenerator, dominantFrequency, goertzel, rms, tone } from './dsp.ts';
import { decodeG711, encodeG711 } from './g711.ts';

test('tone generator is phase-continuous across frames', () => {
  const g = new ToneGenerator(440);
  const a = g.fill(new Int16Array(160));
  const b = g.fill(new Int16Array(160));
  const whole = tone(440, 320);
  assert.deepEqual([...a, ...b], [...whole]);
  assert.ok(Math.abs(rms(whole) - 16000 / Math.SQRT2) < 200);
});

test('Goertzel picks 440 Hz out of a 440 Hz tone and 660 Hz out of a 660 Hz tone', () => {
  const t440 = tone(440, 8000);
  const t660 = tone(660, 8000);
  assert.ok(goertzel(t440, 440) > 1e6 * goertzel(t440, 660));
  assert.ok(goertzel(t660, 660) > 1e6 * goertzel(t660, 440));
  assert.deepEqual(dominantFrequency(t440, [440, 660, 1000]).frequency, 440);
  assert.deepEqual(dominantFrequency(t660, [440, 660, 1000]).frequency, 660);
});

test('a tone survives G.711 coding and is still detected (both laws)', () => {
  for (const law of ['pcmu', 'pcma'] as const) {
    const decoded = decodeG711(law, encodeG711(law, tone(440, 4000)));
    const d = dominantFrequency(decoded, [440, 660]);
    assert.equal(d.frequency, 440, law);
    assert.ok(d.ratio > 1000, `${law} ratio ${d.ratio}`);
  }
});

test('silence and a mix', () => {
  assert.equal(goertzel(new Int16Array(800), 440), 0);
  const t660 = tone(660, 8000);
  const mix = tone(440, 8000).map((s, i) => s / 2 + (t660[i] ?? 0) / 8);
  assert.equal(dominantFrequency(mix, [440, 660]).frequency, 440);
  assert.ok(goertzel(mix, 660) > 1000 * goertzel(mix, 1000));
});
