// Bencode (BEP 3), the encoding of rtpengine's ng protocol: `i42e` integers, `4:spam` byte strings,
// `l…e` lists, `d…e` dictionaries with byte-string keys. The encoder sorts keys by raw bytes as BEP 3
// requires; the decoder is strict (no leading zeros, no `-0`, no trailing data, no duplicate keys,
// bounded nesting) except for key order, which rtpengine does not sort in its replies (opt in with
// `strictKeyOrder`). Malformed input is a coded value, never an exception.

export type BValue = number | bigint | string | Buffer | BValue[] | BDict;
export interface BDict {
  [key: string]: BValue;
}
/** What the encoder accepts: undefined dictionary values are left out. */
export type BInput = number | bigint | string | Uint8Array | readonly BInput[] | { readonly [key: string]: BInput | undefined };

export type BencodeErrorCode =
  | 'BENCODE_ERR_UNEXPECTED_END'
  | 'BENCODE_ERR_UNEXPECTED_BYTE'
  | 'BENCODE_ERR_BAD_INTEGER'
  | 'BENCODE_ERR_BAD_LENGTH'
  | 'BENCODE_ERR_KEY_ORDER'
  | 'BENCODE_ERR_DUPLICATE_KEY'
  | 'BENCODE_ERR_TRAILING_DATA'
  | 'BENCODE_ERR_TOO_DEEP';

export type BencodeResult = { ok: true; value: BValue } | { ok: false; code: BencodeErrorCode; offset: number };

export interface DecodeOptions {
  /** 'string' decodes byte strings as UTF-8 (dictionary keys always are); 'buffer' keeps raw bytes. */
  strings?: 'string' | 'buffer';
  strictKeyOrder?: boolean;
  maxDepth?: number;
}

const E = 0x65; // 'e'
const COLON = 0x3a;

export function encodeBencode(value: BInput): Buffer {
  const parts: Buffer[] = [];
  encodeInto(value, parts);
  return Buffer.concat(parts);
}

function encodeInto(v: BInput, out: Buffer[]): void {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new RangeError(`bencode integers must be safe integers, got ${v}`);
    out.push(Buffer.from(`i${v}e`, 'latin1'));
  } else if (typeof v === 'bigint') {
    out.push(Buffer.from(`i${v}e`, 'latin1'));
  } else if (typeof v === 'string') {
    const b = Buffer.from(v, 'utf8');
    out.push(Buffer.from(`${b.length}:`, 'latin1'), b);
  } else if (v instanceof Uint8Array) {
    out.push(Buffer.from(`${v.length}:`, 'latin1'), Buffer.from(v.buffer, v.byteOffset, v.byteLength));
  } else if (Array.isArray(v)) {
    out.push(Buffer.from('l'));
    for (const item of v as readonly BInput[]) encodeInto(item, out);
    out.push(Buffer.from('e'));
  } else {
    const dict = v as { readonly [key: string]: BInput | undefined };
    const keys = Object.keys(dict)
      .filter((k) => dict[k] !== undefined)
      .map((k) => ({ k, b: Buffer.from(k, 'utf8') }))
      .sort((a, b) => Buffer.compare(a.b, b.b));
    out.push(Buffer.from('d'));
    for (const { k, b } of keys) {
      out.push(Buffer.from(`${b.length}:`, 'latin1'), b);
      encodeInto(dict[k] as BInput, out);
    }
    out.push(Buffer.from('e'));
  }
}

class DecodeFailure {
  constructor(
    readonly code: BencodeErrorCode,
    readonly offset: number,
  ) {}
}

export function decodeBencode(buf: Buffer, opts: DecodeOptions = {}): BencodeResult {
  const d = new Decoder(buf, opts.strings ?? 'string', opts.strictKeyOrder ?? false, opts.maxDepth ?? 32);
  try {
    const value = d.value(0);
    if (d.pos !== buf.length) return { ok: false, code: 'BENCODE_ERR_TRAILING_DATA', offset: d.pos };
    return { ok: true, value };
  } catch (e) {
    if (e instanceof DecodeFailure) return { ok: false, code: e.code, offset: e.offset };
    throw e;
  }
}

class Decoder {
  pos = 0;
  constructor(
    private readonly buf: Buffer,
    private readonly strings: 'string' | 'buffer',
    private readonly strictKeyOrder: boolean,
    private readonly maxDepth: number,
  ) {}

  private fail(code: BencodeErrorCode, at = this.pos): never {
    throw new DecodeFailure(code, at);
  }

  private peek(): number {
    const c = this.buf[this.pos];
    if (c === undefined) this.fail('BENCODE_ERR_UNEXPECTED_END');
    return c;
  }

  value(depth: number): BValue {
    const c = this.peek();
    if (c === 0x69) return this.integer(); // 'i'
    if (c >= 0x30 && c <= 0x39) {
      const raw = this.bytes();
      return this.strings === 'string' ? raw.toString('utf8') : raw;
    }
    if (c === 0x6c || c === 0x64) {
      if (depth >= this.maxDepth) this.fail('BENCODE_ERR_TOO_DEEP');
      return c === 0x6c ? this.list(depth + 1) : this.dict(depth + 1);
    }
    return this.fail('BENCODE_ERR_UNEXPECTED_BYTE');
  }

  private integer(): number | bigint {
    const start = ++this.pos;
    const end = this.buf.indexOf(E, start);
    if (end < 0) this.fail('BENCODE_ERR_UNEXPECTED_END', this.buf.length);
    const text = this.buf.toString('latin1', start, end);
    // BEP 3: no leading zeros, no negative zero, digits only
    if (!/^(0|-?[1-9][0-9]*)$/.test(text)) this.fail('BENCODE_ERR_BAD_INTEGER', start);
    this.pos = end + 1;
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : BigInt(text);
  }

  private bytes(): Buffer {
    const start = this.pos;
    const colon = this.buf.indexOf(COLON, start);
    if (colon < 0) this.fail('BENCODE_ERR_UNEXPECTED_END', this.buf.length);
    const text = this.buf.toString('latin1', start, colon);
    if (!/^(0|[1-9][0-9]{0,9})$/.test(text)) this.fail('BENCODE_ERR_BAD_LENGTH', start);
    const len = Number(text);
    const from = colon + 1;
    if (from + len > this.buf.length) this.fail('BENCODE_ERR_UNEXPECTED_END', this.buf.length);
    this.pos = from + len;
    return this.buf.subarray(from, from + len);
  }

  private list(depth: number): BValue[] {
    this.pos++;
    const out: BValue[] = [];
    while (this.peek() !== E) out.push(this.value(depth));
    this.pos++;
    return out;
  }

  private dict(depth: number): BDict {
    this.pos++;
    // null prototype: a key '__proto__' from the wire stays an ordinary key
    const out = Object.create(null) as BDict;
    let previous: Buffer | undefined;
    while (this.peek() !== E) {
      const at = this.pos;
      const c = this.peek();
      if (c < 0x30 || c > 0x39) this.fail('BENCODE_ERR_UNEXPECTED_BYTE');
      const keyBytes = this.bytes();
      const key = keyBytes.toString('utf8');
      if (Object.prototype.hasOwnProperty.call(out, key)) this.fail('BENCODE_ERR_DUPLICATE_KEY', at);
      if (this.strictKeyOrder && previous && Buffer.compare(previous, keyBytes) >= 0) this.fail('BENCODE_ERR_KEY_ORDER', at);
      previous = keyBytes;
      out[key] = this.value(depth);
    }
    this.pos++;
    return out;
  }
}

/** Narrowing helpers for reading decoded replies. */
export function isDict(v: BValue | undefined): v is BDict {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
}

export function asString(v: BValue | undefined): string | undefined {
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return undefined;
}

export function asNumber(v: BValue | undefined): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return undefined;
}
