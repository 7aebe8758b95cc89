// Small signal-processing blocks for tests and features: a sine tone generator that keeps its phase
// across frames, and the Goertzel algorithm to measure the power of one frequency in a signal
// ("each side sends a tone, the other side's recording contains it").

export class ToneGenerator {
  private phase = 0;
  private readonly step: number;

  constructor(
    readonly frequency: number,
    readonly sampleRate = 8000,
    /** Peak amplitude in 16-bit units (default ≈ -6 dBFS). */
    readonly amplitude = 16000,
  ) {
    this.step = (2 * Math.PI * frequency) / sampleRate;
  }

  /** Fills `out` with the next samples of the tone (phase-continuous across calls). */
  fill(out: Int16Array): Int16Array {
    for (let i = 0; i < out.length; i++) {
      out[i] = Math.round(this.amplitude * Math.sin(this.phase));
      this.phase += this.step;
      if (this.phase > 2 * Math.PI) this.phase -= 2 * Math.PI;
    }
    return out;
  }
}

/** `count` samples of a tone (one-shot form of ToneGenerator). */
export function tone(frequency: number, count: number, sampleRate = 8000, amplitude = 16000): Int16Array {
  return new ToneGenerator(frequency, sampleRate, amplitude).fill(new Int16Array(count));
}

/**
 * Goertzel power of `frequency` in `samples` (squared magnitude of the DFT bin nearest to it, not
 * normalised: compare powers of one signal at different frequencies, not across signals).
 */
export function goertzel(samples: ArrayLike<number>, frequency: number, sampleRate = 8000): number {
  const n = samples.length;
  if (n === 0) return 0;
  const k = Math.round((n * frequency) / sampleRate);
  const w = (2 * Math.PI * k) / n;
  const coeff = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const s0 = (samples[i] ?? 0) + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - coeff * s1 * s2;
}

/**
 * The strongest of `candidates` in `samples` and how much stronger it is than the runner-up (ratio of
 * powers; Infinity when the runner-up is silent).
 */
export function dominantFrequency(
  samples: ArrayLike<number>,
  candidates: readonly number[],
  sampleRate = 8000,
): { frequency: number; ratio: number } {
  const powers = candidates.map((f) => ({ f, p: goertzel(samples, f, sampleRate) })).sort((a, b) => b.p - a.p);
  const best = powers[0];
  if (!best) throw new RangeError('no candidate frequency');
  const second = powers[1]?.p ?? 0;
  return { frequency: best.f, ratio: second > 0 ? best.p / second : Infinity };
}

/** Root-mean-square level of a signal, in 16-bit units. */
export function rms(samples: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += (samples[i] ?? 0) ** 2;
  return samples.length === 0 ? 0 : Math.sqrt(sum / samples.length);
}
