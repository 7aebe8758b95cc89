// Ordered, raw-preserving header fields. Names and values are kept exactly as received (after line
// unfolding, RFC 3261 §7.3.1); lookups use the canonical key (case-insensitive, compact forms folded).
// Parsed views (Via list, CSeq, …) are cached per key and dropped when that key is changed.
import { headerKey, isMultiValue } from './names.ts';
import { splitTopLevel } from './scan.ts';

export class SipHeaders {
  #names: string[];
  #keys: string[];
  #values: string[];
  #cache: Map<string, unknown> | undefined;

  constructor(fields?: Iterable<[name: string, value: string]>) {
    this.#names = [];
    this.#keys = [];
    this.#values = [];
    if (fields) for (const [n, v] of fields) this.append(n, v);
  }

  /** Parser fast path: adopts the arrays (no copies). @internal */
  static fromParsed(names: string[], keys: string[], values: string[]): SipHeaders {
    const h = new SipHeaders();
    h.#names = names;
    h.#keys = keys;
    h.#values = values;
    return h;
  }

  get size(): number {
    return this.#names.length;
  }

  /** First field value, raw. */
  get(name: string): string | undefined {
    const key = headerKey(name);
    const keys = this.#keys;
    for (let i = 0; i < keys.length; i++) if (keys[i] === key) return this.#values[i];
    return undefined;
  }

  /** Every value; multi-value headers (Via, Contact, Route, …) split on top-level commas. */
  getAll(name: string): string[] {
    const key = headerKey(name);
    const multi = isMultiValue(key);
    const out: string[] = [];
    const keys = this.#keys;
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] !== key) continue;
      const v = this.#values[i] as string;
      if (multi && v.indexOf(',') >= 0) out.push(...splitTopLevel(v));
      else out.push(v);
    }
    return out;
  }

  /** Number of header fields (lines) with that name, not split values. */
  countFields(name: string): number {
    const key = headerKey(name);
    let n = 0;
    for (const k of this.#keys) if (k === key) n++;
    return n;
  }

  has(name: string): boolean {
    return this.#keys.indexOf(headerKey(name)) >= 0;
  }

  set(name: string, value: string): void {
    const key = headerKey(name);
    const first = this.#keys.indexOf(key);
    if (first < 0) {
      this.append(name, value);
      return;
    }
    this.#removeKey(key, first + 1);
    this.#names[first] = name;
    this.#values[first] = value;
    this.#cache?.delete(key);
  }

  append(name: string, value: string): void {
    const key = headerKey(name);
    this.#names.push(name);
    this.#keys.push(key);
    this.#values.push(value);
    this.#cache?.delete(key);
  }

  /** Inserts a new first field of that name (before the existing ones, or at the top). */
  prepend(name: string, value: string): void {
    const key = headerKey(name);
    let at = this.#keys.indexOf(key);
    if (at < 0) at = 0;
    this.#names.splice(at, 0, name);
    this.#keys.splice(at, 0, key);
    this.#values.splice(at, 0, value);
    this.#cache?.delete(key);
  }

  delete(name: string): void {
    const key = headerKey(name);
    this.#removeKey(key, 0);
    this.#cache?.delete(key);
  }

  /** Removes the first VALUE (a comma-folded field keeps its remaining values). */
  removeFirst(name: string): string | undefined {
    const key = headerKey(name);
    const i = this.#keys.indexOf(key);
    if (i < 0) return undefined;
    this.#cache?.delete(key);
    const v = this.#values[i] as string;
    if (isMultiValue(key) && v.indexOf(',') >= 0) {
      const parts = splitTopLevel(v);
      if (parts.length > 1) {
        this.#values[i] = parts.slice(1).join(', ');
        return parts[0];
      }
    }
    this.#names.splice(i, 1);
    this.#keys.splice(i, 1);
    this.#values.splice(i, 1);
    return v;
  }

  #removeKey(key: string, from: number): void {
    for (let i = this.#keys.length - 1; i >= from; i--) {
      if (this.#keys[i] === key) {
        this.#names.splice(i, 1);
        this.#keys.splice(i, 1);
        this.#values.splice(i, 1);
      }
    }
  }

  *[Symbol.iterator](): Iterator<[name: string, value: string]> {
    for (let i = 0; i < this.#names.length; i++) yield [this.#names[i] as string, this.#values[i] as string];
  }

  /** Raw field access for the serializer (no iterator allocation). @internal */
  nameAt(i: number): string {
    return this.#names[i] as string;
  }
  keyAt(i: number): string {
    return this.#keys[i] as string;
  }
  valueAt(i: number): string {
    return this.#values[i] as string;
  }

  /** Cached parsed view of a header; recomputed after the header is changed. */
  parsed<T>(name: string, parse: (h: SipHeaders) => T): T {
    const key = headerKey(name);
    const cache = (this.#cache ??= new Map());
    if (cache.has(key)) return cache.get(key) as T;
    const v = parse(this);
    cache.set(key, v);
    return v;
  }

  clone(): SipHeaders {
    return SipHeaders.fromParsed(this.#names.slice(), this.#keys.slice(), this.#values.slice());
  }
}
