// MD5 (RFC 1321) and HMAC-MD5 (RFC 2104) in plain JavaScript, for the digest-authentication hot path.
//
// Why not node:crypto: every REGISTER and every authenticated INVITE hashes three short strings (the nonce check,
// H(A2), the response) and issues a nonce. Through node:crypto each of those creates a native Hash/Hmac object
// (a C++ object with a weak handle, freed by the GC) and crosses into C++ three times: 2–4 µs each, about a tenth
// of a REGISTER's CPU. A one- or two-block MD5 in JavaScript takes well under a microsecond and allocates nothing
// but the result. Checked against node:crypto on random inputs and the RFC test vectors (md5.test.ts).
//
// MD5's collision weakness is beside the point here: digest authentication (RFC 7616 §3.4) mandates it for the
// many phones that know nothing else, and HMAC-MD5 as a MAC has no practical forgery (RFC 6151 §2.3). The
// nonce MAC only proves that this server issued the nonce and when; see nonce.ts.

const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, '0'));

/** A, B, C, D of the MD5 state */
export type Md5State = Int32Array;

const INIT = new Int32Array([0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476]);

/**
 * One 64-byte block of `bytes` at `at` into `st`: the 64 steps of RFC 1321 §3.4 unrolled (generated; the
 * constants are T[i] = floor(2^32 · |sin(i + 1)|) and the rotations of §3.4), about three times faster than a loop
 * over tables in V8.
 */
function block(st: Md5State, bytes: Uint8Array, at: number): void {
  const x0 = bytes[at + 0]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24);
  const x1 = bytes[at + 4]! | (bytes[at + 5]! << 8) | (bytes[at + 6]! << 16) | (bytes[at + 7]! << 24);
  const x2 = bytes[at + 8]! | (bytes[at + 9]! << 8) | (bytes[at + 10]! << 16) | (bytes[at + 11]! << 24);
  const x3 = bytes[at + 12]! | (bytes[at + 13]! << 8) | (bytes[at + 14]! << 16) | (bytes[at + 15]! << 24);
  const x4 = bytes[at + 16]! | (bytes[at + 17]! << 8) | (bytes[at + 18]! << 16) | (bytes[at + 19]! << 24);
  const x5 = bytes[at + 20]! | (bytes[at + 21]! << 8) | (bytes[at + 22]! << 16) | (bytes[at + 23]! << 24);
  const x6 = bytes[at + 24]! | (bytes[at + 25]! << 8) | (bytes[at + 26]! << 16) | (bytes[at + 27]! << 24);
  const x7 = bytes[at + 28]! | (bytes[at + 29]! << 8) | (bytes[at + 30]! << 16) | (bytes[at + 31]! << 24);
  const x8 = bytes[at + 32]! | (bytes[at + 33]! << 8) | (bytes[at + 34]! << 16) | (bytes[at + 35]! << 24);
  const x9 = bytes[at + 36]! | (bytes[at + 37]! << 8) | (bytes[at + 38]! << 16) | (bytes[at + 39]! << 24);
  const x10 = bytes[at + 40]! | (bytes[at + 41]! << 8) | (bytes[at + 42]! << 16) | (bytes[at + 43]! << 24);
  const x11 = bytes[at + 44]! | (bytes[at + 45]! << 8) | (bytes[at + 46]! << 16) | (bytes[at + 47]! << 24);
  const x12 = bytes[at + 48]! | (bytes[at + 49]! << 8) | (bytes[at + 50]! << 16) | (bytes[at + 51]! << 24);
  const x13 = bytes[at + 52]! | (bytes[at + 53]! << 8) | (bytes[at + 54]! << 16) | (bytes[at + 55]! << 24);
  const x14 = bytes[at + 56]! | (bytes[at + 57]! << 8) | (bytes[at + 58]! << 16) | (bytes[at + 59]! << 24);
  const x15 = bytes[at + 60]! | (bytes[at + 61]! << 8) | (bytes[at + 62]! << 16) | (bytes[at + 63]! << 24);
  let a = st[0]!;
  let b = st[1]!;
  let c = st[2]!;
  let d = st[3]!;
  let t: number;
  t = (a + ((b & c) | (~b & d)) + 0xd76aa478 + x0) | 0;
  a = (b + ((t << 7) | (t >>> 25))) | 0;
  t = (d + ((a & b) | (~a & c)) + 0xe8c7b756 + x1) | 0;
  d = (a + ((t << 12) | (t >>> 20))) | 0;
  t = (c + ((d & a) | (~d & b)) + 0x242070db + x2) | 0;
  c = (d + ((t << 17) | (t >>> 15))) | 0;
  t = (b + ((c & d) | (~c & a)) + 0xc1bdceee + x3) | 0;
  b = (c + ((t << 22) | (t >>> 10))) | 0;
  t = (a + ((b & c) | (~b & d)) + 0xf57c0faf + x4) | 0;
  a = (b + ((t << 7) | (t >>> 25))) | 0;
  t = (d + ((a & b) | (~a & c)) + 0x4787c62a + x5) | 0;
  d = (a + ((t << 12) | (t >>> 20))) | 0;
  t = (c + ((d & a) | (~d & b)) + 0xa8304613 + x6) | 0;
  c = (d + ((t << 17) | (t >>> 15))) | 0;
  t = (b + ((c & d) | (~c & a)) + 0xfd469501 + x7) | 0;
  b = (c + ((t << 22) | (t >>> 10))) | 0;
  t = (a + ((b & c) | (~b & d)) + 0x698098d8 + x8) | 0;
  a = (b + ((t << 7) | (t >>> 25))) | 0;
  t = (d + ((a & b) | (~a & c)) + 0x8b44f7af + x9) | 0;
  d = (a + ((t << 12) | (t >>> 20))) | 0;
  t = (c + ((d & a) | (~d & b)) + 0xffff5bb1 + x10) | 0;
  c = (d + ((t << 17) | (t >>> 15))) | 0;
  t = (b + ((c & d) | (~c & a)) + 0x895cd7be + x11) | 0;
  b = (c + ((t << 22) | (t >>> 10))) | 0;
  t = (a + ((b & c) | (~b & d)) + 0x6b901122 + x12) | 0;
  a = (b + ((t << 7) | (t >>> 25))) | 0;
  t = (d + ((a & b) | (~a & c)) + 0xfd987193 + x13) | 0;
  d = (a + ((t << 12) | (t >>> 20))) | 0;
  t = (c + ((d & a) | (~d & b)) + 0xa679438e + x14) | 0;
  c = (d + ((t << 17) | (t >>> 15))) | 0;
  t = (b + ((c & d) | (~c & a)) + 0x49b40821 + x15) | 0;
  b = (c + ((t << 22) | (t >>> 10))) | 0;
  t = (a + ((d & b) | (~d & c)) + 0xf61e2562 + x1) | 0;
  a = (b + ((t << 5) | (t >>> 27))) | 0;
  t = (d + ((c & a) | (~c & b)) + 0xc040b340 + x6) | 0;
  d = (a + ((t << 9) | (t >>> 23))) | 0;
  t = (c + ((b & d) | (~b & a)) + 0x265e5a51 + x11) | 0;
  c = (d + ((t << 14) | (t >>> 18))) | 0;
  t = (b + ((a & c) | (~a & d)) + 0xe9b6c7aa + x0) | 0;
  b = (c + ((t << 20) | (t >>> 12))) | 0;
  t = (a + ((d & b) | (~d & c)) + 0xd62f105d + x5) | 0;
  a = (b + ((t << 5) | (t >>> 27))) | 0;
  t = (d + ((c & a) | (~c & b)) + 0x02441453 + x10) | 0;
  d = (a + ((t << 9) | (t >>> 23))) | 0;
  t = (c + ((b & d) | (~b & a)) + 0xd8a1e681 + x15) | 0;
  c = (d + ((t << 14) | (t >>> 18))) | 0;
  t = (b + ((a & c) | (~a & d)) + 0xe7d3fbc8 + x4) | 0;
  b = (c + ((t << 20) | (t >>> 12))) | 0;
  t = (a + ((d & b) | (~d & c)) + 0x21e1cde6 + x9) | 0;
  a = (b + ((t << 5) | (t >>> 27))) | 0;
  t = (d + ((c & a) | (~c & b)) + 0xc33707d6 + x14) | 0;
  d = (a + ((t << 9) | (t >>> 23))) | 0;
  t = (c + ((b & d) | (~b & a)) + 0xf4d50d87 + x3) | 0;
  c = (d + ((t << 14) | (t >>> 18))) | 0;
  t = (b + ((a & c) | (~a & d)) + 0x455a14ed + x8) | 0;
  b = (c + ((t << 20) | (t >>> 12))) | 0;
  t = (a + ((d & b) | (~d & c)) + 0xa9e3e905 + x13) | 0;
  a = (b + ((t << 5) | (t >>> 27))) | 0;
  t = (d + ((c & a) | (~c & b)) + 0xfcefa3f8 + x2) | 0;
  d = (a + ((t << 9) | (t >>> 23))) | 0;
  t = (c + ((b & d) | (~b & a)) + 0x676f02d9 + x7) | 0;
  c = (d + ((t << 14) | (t >>> 18))) | 0;
  t = (b + ((a & c) | (~a & d)) + 0x8d2a4c8a + x12) | 0;
  b = (c + ((t << 20) | (t >>> 12))) | 0;
  t = (a + (b ^ c ^ d) + 0xfffa3942 + x5) | 0;
  a = (b + ((t << 4) | (t >>> 28))) | 0;
  t = (d + (a ^ b ^ c) + 0x8771f681 + x8) | 0;
  d = (a + ((t << 11) | (t >>> 21))) | 0;
  t = (c + (d ^ a ^ b) + 0x6d9d6122 + x11) | 0;
  c = (d + ((t << 16) | (t >>> 16))) | 0;
  t = (b + (c ^ d ^ a) + 0xfde5380c + x14) | 0;
  b = (c + ((t << 23) | (t >>> 9))) | 0;
  t = (a + (b ^ c ^ d) + 0xa4beea44 + x1) | 0;
  a = (b + ((t << 4) | (t >>> 28))) | 0;
  t = (d + (a ^ b ^ c) + 0x4bdecfa9 + x4) | 0;
  d = (a + ((t << 11) | (t >>> 21))) | 0;
  t = (c + (d ^ a ^ b) + 0xf6bb4b60 + x7) | 0;
  c = (d + ((t << 16) | (t >>> 16))) | 0;
  t = (b + (c ^ d ^ a) + 0xbebfbc70 + x10) | 0;
  b = (c + ((t << 23) | (t >>> 9))) | 0;
  t = (a + (b ^ c ^ d) + 0x289b7ec6 + x13) | 0;
  a = (b + ((t << 4) | (t >>> 28))) | 0;
  t = (d + (a ^ b ^ c) + 0xeaa127fa + x0) | 0;
  d = (a + ((t << 11) | (t >>> 21))) | 0;
  t = (c + (d ^ a ^ b) + 0xd4ef3085 + x3) | 0;
  c = (d + ((t << 16) | (t >>> 16))) | 0;
  t = (b + (c ^ d ^ a) + 0x04881d05 + x6) | 0;
  b = (c + ((t << 23) | (t >>> 9))) | 0;
  t = (a + (b ^ c ^ d) + 0xd9d4d039 + x9) | 0;
  a = (b + ((t << 4) | (t >>> 28))) | 0;
  t = (d + (a ^ b ^ c) + 0xe6db99e5 + x12) | 0;
  d = (a + ((t << 11) | (t >>> 21))) | 0;
  t = (c + (d ^ a ^ b) + 0x1fa27cf8 + x15) | 0;
  c = (d + ((t << 16) | (t >>> 16))) | 0;
  t = (b + (c ^ d ^ a) + 0xc4ac5665 + x2) | 0;
  b = (c + ((t << 23) | (t >>> 9))) | 0;
  t = (a + (c ^ (b | ~d)) + 0xf4292244 + x0) | 0;
  a = (b + ((t << 6) | (t >>> 26))) | 0;
  t = (d + (b ^ (a | ~c)) + 0x432aff97 + x7) | 0;
  d = (a + ((t << 10) | (t >>> 22))) | 0;
  t = (c + (a ^ (d | ~b)) + 0xab9423a7 + x14) | 0;
  c = (d + ((t << 15) | (t >>> 17))) | 0;
  t = (b + (d ^ (c | ~a)) + 0xfc93a039 + x5) | 0;
  b = (c + ((t << 21) | (t >>> 11))) | 0;
  t = (a + (c ^ (b | ~d)) + 0x655b59c3 + x12) | 0;
  a = (b + ((t << 6) | (t >>> 26))) | 0;
  t = (d + (b ^ (a | ~c)) + 0x8f0ccc92 + x3) | 0;
  d = (a + ((t << 10) | (t >>> 22))) | 0;
  t = (c + (a ^ (d | ~b)) + 0xffeff47d + x10) | 0;
  c = (d + ((t << 15) | (t >>> 17))) | 0;
  t = (b + (d ^ (c | ~a)) + 0x85845dd1 + x1) | 0;
  b = (c + ((t << 21) | (t >>> 11))) | 0;
  t = (a + (c ^ (b | ~d)) + 0x6fa87e4f + x8) | 0;
  a = (b + ((t << 6) | (t >>> 26))) | 0;
  t = (d + (b ^ (a | ~c)) + 0xfe2ce6e0 + x15) | 0;
  d = (a + ((t << 10) | (t >>> 22))) | 0;
  t = (c + (a ^ (d | ~b)) + 0xa3014314 + x6) | 0;
  c = (d + ((t << 15) | (t >>> 17))) | 0;
  t = (b + (d ^ (c | ~a)) + 0x4e0811a1 + x13) | 0;
  b = (c + ((t << 21) | (t >>> 11))) | 0;
  t = (a + (c ^ (b | ~d)) + 0xf7537e82 + x4) | 0;
  a = (b + ((t << 6) | (t >>> 26))) | 0;
  t = (d + (b ^ (a | ~c)) + 0xbd3af235 + x11) | 0;
  d = (a + ((t << 10) | (t >>> 22))) | 0;
  t = (c + (a ^ (d | ~b)) + 0x2ad7d2bb + x2) | 0;
  c = (d + ((t << 15) | (t >>> 17))) | 0;
  t = (b + (d ^ (c | ~a)) + 0xeb86d391 + x9) | 0;
  b = (c + ((t << 21) | (t >>> 11))) | 0;
  st[0] = (st[0]! + a) | 0;
  st[1] = (st[1]! + b) | 0;
  st[2] = (st[2]! + c) | 0;
  st[3] = (st[3]! + d) | 0;
}

/** Scratch for the padded message; grows for long inputs (auth-int bodies), keeping what it holds; never shrinks. */
let buf = new Uint8Array(256);

function room(n: number): Uint8Array {
  if (buf.length < n) {
    const grown = new Uint8Array(Math.max(n, buf.length * 2));
    grown.set(buf);
    buf = grown;
  }
  return buf;
}

/**
 * Continues `st` over `len` message bytes already in the scratch buffer, `prefix` bytes having been hashed before
 * (HMAC's key block), and pads (RFC 1321 §3.1–3.2). The scratch must have room for len + 72.
 */
function finish(st: Md5State, len: number, prefix: number): Md5State {
  const b = buf;
  let end = len;
  b[end++] = 0x80;
  while (end % 64 !== 56) b[end++] = 0;
  const bits = (len + prefix) * 8;
  b[end++] = bits & 0xff;
  b[end++] = (bits >>> 8) & 0xff;
  b[end++] = (bits >>> 16) & 0xff;
  b[end++] = (bits >>> 24) & 0xff;
  const high = Math.floor(bits / 0x100000000);
  b[end++] = high & 0xff;
  b[end++] = (high >>> 8) & 0xff;
  b[end++] = (high >>> 16) & 0xff;
  b[end++] = (high >>> 24) & 0xff;
  for (let at = 0; at < end; at += 64) block(st, b, at);
  return st;
}

/** Writes `s` as UTF-8 into the scratch buffer at `at` (ASCII without an encoder); returns its byte length. */
function load(s: string, at = 0): number {
  const n = s.length;
  const b = room(at + n + 72);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) return loadBytes(Buffer.from(s, 'utf8'), at);
    b[at + i] = c;
  }
  return n;
}

/** Writes `bytes` into the scratch buffer at `at`, with room for the padding after them; returns their length. */
function loadBytes(bytes: Uint8Array, at = 0): number {
  room(at + bytes.length + 72).set(bytes, at);
  return bytes.length;
}

function hex(st: Md5State): string {
  let out = '';
  for (let i = 0; i < 4; i++) {
    const w = st[i]!;
    out += HEX[w & 0xff]! + HEX[(w >>> 8) & 0xff]! + HEX[(w >>> 16) & 0xff]! + HEX[(w >>> 24) & 0xff]!;
  }
  return out;
}

function raw(st: Md5State, out: Uint8Array, at: number): void {
  for (let i = 0; i < 4; i++) {
    const w = st[i]!;
    out[at + 4 * i] = w & 0xff;
    out[at + 4 * i + 1] = (w >>> 8) & 0xff;
    out[at + 4 * i + 2] = (w >>> 16) & 0xff;
    out[at + 4 * i + 3] = (w >>> 24) & 0xff;
  }
}

/** MD5 of a string's UTF-8 bytes (or of bytes), lower-case hex: what digest authentication compares. */
export function md5Hex(data: string | Uint8Array): string {
  const len = typeof data === 'string' ? load(data) : loadBytes(data);
  return hex(finish(new Int32Array(INIT), len, 0));
}

/** HMAC-MD5 with the key's inner and outer blocks hashed once (RFC 2104 §4: "precompute"). */
export class HmacMd5 {
  readonly #inner = new Int32Array(INIT);
  readonly #outer = new Int32Array(INIT);
  readonly #tmp = new Int32Array(4);

  constructor(key: Uint8Array) {
    // RFC 2104 §2: keys longer than the block are hashed first; shorter ones are zero-padded
    const k = new Uint8Array(64);
    if (key.length > 64) {
      loadBytes(key);
      raw(finish(new Int32Array(INIT), key.length, 0), k, 0);
    } else k.set(key);
    const pad = new Uint8Array(64);
    for (let i = 0; i < 64; i++) pad[i] = k[i]! ^ 0x36;
    block(this.#inner, pad, 0);
    for (let i = 0; i < 64; i++) pad[i] = k[i]! ^ 0x5c;
    block(this.#outer, pad, 0);
  }

  /**
   * MAC of `head` followed by the bytes of `tail` (a string, as UTF-8), written as 16 bytes into `out` at `at`.
   * Nothing is allocated.
   */
  macInto(head: Uint8Array, tail: string, out: Uint8Array, at: number): void {
    loadBytes(head);
    const len = head.length + load(tail, head.length);
    const st = this.#tmp;
    st.set(this.#inner);
    finish(st, len, 64);
    raw(st, buf, 0);
    st.set(this.#outer);
    finish(st, 16, 64);
    raw(st, out, at);
  }
}
