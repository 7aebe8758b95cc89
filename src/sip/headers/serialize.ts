// Serializer output assembly: a message is written as a sequence of byte ranges copied from the
// received datagram (untouched lines, unchanged body) and strings (changed or new lines). Adjacent
// ranges are merged, so an unmodified parsed message is one copy. RFC 3261 §7 (message format).

/** Collects output pieces in order; at most one piece (a range or a string) is pending at a time. */
export class ByteParts {
  readonly #src: Buffer | undefined;
  #parts: Array<string | number | Buffer> = [];
  #rs = -1; // pending range in src
  #re = -1;
  #str = ''; // pending string

  constructor(src: Buffer | undefined) {
    this.#src = src;
  }

  /** Appends src[a..b). */
  range(a: number, b: number): void {
    if (this.#str.length > 0) {
      this.#parts.push(this.#str);
      this.#str = '';
    } else if (this.#rs >= 0) {
      if (this.#re === a) {
        this.#re = b;
        return;
      }
      this.#parts.push(this.#rs, this.#re);
    }
    this.#rs = a;
    this.#re = b;
  }

  /** Appends src[a..b) when it continues the pending range; false otherwise (nothing appended). */
  extend(a: number, b: number): boolean {
    if (this.#rs < 0 || this.#re !== a) return false;
    this.#re = b;
    return true;
  }

  string(s: string): void {
    if (this.#rs >= 0) {
      this.#parts.push(this.#rs, this.#re);
      this.#rs = -1;
    }
    this.#str += s;
  }

  buffer(b: Buffer): void {
    if (b.length === 0) return;
    this.#flush();
    this.#parts.push(b);
  }

  #flush(): void {
    if (this.#rs >= 0) {
      this.#parts.push(this.#rs, this.#re);
      this.#rs = -1;
    } else if (this.#str.length > 0) {
      this.#parts.push(this.#str);
      this.#str = '';
    }
  }

  /** One fresh Buffer with every piece in order. */
  toBuffer(): Buffer {
    this.#flush();
    const parts = this.#parts;
    const src = this.#src;
    let total = 0;
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i] as string | number | Buffer;
      if (typeof p === 'number') {
        total += (parts[i + 1] as number) - p;
        i++;
      } else if (typeof p === 'string') total += Buffer.byteLength(p, 'utf8');
      else total += p.length;
    }
    const out = Buffer.allocUnsafe(total);
    let off = 0;
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i] as string | number | Buffer;
      if (typeof p === 'number') {
        off += (src as Buffer).copy(out, off, p, parts[i + 1] as number);
        i++;
      } else if (typeof p === 'string') off += out.write(p, off, 'utf8');
      else off += p.copy(out, off);
    }
    return out;
  }
}
