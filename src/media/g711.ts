// ITU-T G.711 µ-law (PCMU, payload type 0) and A-law (PCMA, payload type 8), RFC 3551 §4.5.14.
// Conversion goes through tables built once: 256 entries to decode, 65 536 to encode (index =
// sample + 32768), so per-sample work is one lookup.

const ULAW_BIAS = 0x84;
const ULAW_CLIP = 32635;

function ulawFromLinear(sample: number): number {
  let s = sample;
  const sign = s < 0 ? 0x80 : 0;
  if (sign) s = -s;
  if (s > ULAW_CLIP) s = ULAW_CLIP;
  s += ULAW_BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

function linearFromUlaw(code: number): number {
  const u = ~code & 0xff;
  let t = ((u & 0x0f) << 3) + ULAW_BIAS;
  t <<= (u & 0x70) >> 4;
  return u & 0x80 ? ULAW_BIAS - t : t - ULAW_BIAS;
}

const ALAW_SEG_END = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];

function alawFromLinear(sample: number): number {
  let v = sample >> 3; // A-law works on 13-bit magnitudes
  let mask: number;
  if (v >= 0) mask = 0xd5;
  else {
    mask = 0x55;
    v = -v - 1;
  }
  let seg = 0;
  while (seg < 8 && v > (ALAW_SEG_END[seg] ?? 0)) seg++;
  if (seg >= 8) return 0x7f ^ mask;
  let a = seg << 4;
  a |= seg < 2 ? (v >> 1) & 0x0f : (v >> seg) & 0x0f;
  return a ^ mask;
}

function linearFromAlaw(code: number): number {
  const a = code ^ 0x55;
  let t = (a & 0x0f) << 4;
  const seg = (a & 0x70) >> 4;
  if (seg === 0) t += 8;
  else if (seg === 1) t += 0x108;
  else t = (t + 0x108) << (seg - 1);
  return a & 0x80 ? t : -t;
}

function buildTables(enc: (s: number) => number, dec: (c: number) => number): [Uint8Array, Int16Array] {
  const encode = new Uint8Array(65536);
  for (let i = 0; i < 65536; i++) encode[i] = enc(i - 32768);
  const decode = new Int16Array(256);
  for (let c = 0; c < 256; c++) decode[c] = dec(c);
  return [encode, decode];
}

export const [ULAW_ENCODE, ULAW_DECODE] = buildTables(ulawFromLinear, linearFromUlaw);
export const [ALAW_ENCODE, ALAW_DECODE] = buildTables(alawFromLinear, linearFromAlaw);

export type G711Law = 'pcmu' | 'pcma';

/** Encodes 16-bit linear samples; writes into `out` when given (allocation-free), else a new buffer. */
export function encodeG711(law: G711Law, samples: Int16Array, out?: Buffer): Buffer {
  const table = law === 'pcmu' ? ULAW_ENCODE : ALAW_ENCODE;
  const dst = out ?? Buffer.allocUnsafe(samples.length);
  if (dst.length < samples.length) throw new RangeError('output buffer too small');
  for (let i = 0; i < samples.length; i++) dst[i] = table[(samples[i] ?? 0) + 32768] ?? 0;
  return dst;
}

export function decodeG711(law: G711Law, payload: Uint8Array, out?: Int16Array): Int16Array {
  const table = law === 'pcmu' ? ULAW_DECODE : ALAW_DECODE;
  const dst = out ?? new Int16Array(payload.length);
  if (dst.length < payload.length) throw new RangeError('output array too small');
  for (let i = 0; i < payload.length; i++) dst[i] = table[payload[i] ?? 0] ?? 0;
  return dst;
}

/** RFC 3551 static payload types of G.711. */
export const G711_PAYLOAD_TYPE: Record<G711Law, number> = { pcmu: 0, pcma: 8 };
