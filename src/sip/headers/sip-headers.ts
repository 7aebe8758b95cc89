// Ordered, raw-preserving header fields. Names and values are kept exactly as received (after line
// unfolding, RFC 3261 §7.3.1); lookups use the canonical key (case-insensitive, compact forms folded).
// Parsed views (Via list, CSeq, …) are cached per key and dropped when that key is changed.
// Fields that came from a parsed message remember where their line sits in the received bytes
// (when it is spelt exactly `Name: value CRLF`), so the serializer can copy untouched lines.
import { headerId, headerKey, H_COUNT, H_TOP_VIA, H_VIA, isMultiValue } from './names.ts';
import { splitTopLevel } from './scan.ts';

/** Marks an empty memo slot (undefined is a valid cached value, e.g. no Max-Forwards). */
export const UNSET: unique symbol = Symbol('unset');

/** One UNSET slot per H_* id (a literal: allocated in one step). */
function newMemo(): unknown[] {
  const m = [UNSET, UNSET, UNSET, UNSET, UNSET, UNSET, UNSET, UNSET, UNSET, UNSET, UNSET, UNSET, UNSET];
  if (m.length !== H_COUNT) throw new Error('memo size out of date with H_COUNT');
  return m;
}

/** In-place removal and insertion for the field arrays, without the result array splice() allocates. */
function removeAt<T>(a: T[], i: number): void {
  for (let j = i + 1; j < a.length; j++) a[j - 1] = a[j] as T;
  a.length--;
}
function insertAt<T>(a: T[], i: number, v: T): void {
  for (let j = a.length; j > i; j--) a[j] = a[j - 1] as T;
  a[i] = v;
}

export class SipHeaders {
  #names: string[];
  #keys: string[];
  #values: string[];
  #cache: Map<string, unknown> | undefined;
  /** Cached parsed views of the H_* headers, by id. */
  #memo: unknown[] | undefined;
  /** Received bytes the spans point into. */
  #src: Buffer | undefined;
  /** Per field: offset of its line in #src when it can be copied as is, else -1. */
  #spans: number[] | undefined;

  constructor(fields?: Iterable<[name: string, value: string]>) {
    this.#names = [];
    this.#keys = [];
    this.#values = [];
    this.#cache = undefined;
    this.#memo = undefined;
    this.#src = undefined;
    this.#spans = undefined;
    if (fields) for (const [n, v] of fields) this.append(n, v);
  }

  /** Parser fast path: adopts the arrays (no copies). @internal */
  static fromParsed(names: string[], keys: string[], values: string[], src?: Buffer, spans?: number[]): SipHeaders {
    const h = new SipHeaders();
    h.#names = names;
    h.#keys = keys;
    h.#values = values;
    if (src !== undefined && spans !== undefined) {
      h.#src = src;
      h.#spans = spans;
    }
    return h;
  }

  get size(): number {
    return this.#names.length;
  }

  /** First field value, raw. */
  get(name: string): string | undefined {
    return this.getByKey(headerKey(name));
  }

  /** get() by canonical key. @internal */
  getByKey(key: string): string | undefined {
    const keys = this.#keys;
    for (let i = 0; i < keys.length; i++) if (keys[i] === key) return this.#values[i];
    return undefined;
  }

  /** Every value; multi-value headers (Via, Contact, Route, …) split on top-level commas. */
  getAll(name: string): string[] {
    return this.getAllByKey(headerKey(name));
  }

  /** getAll() by canonical key. @internal */
  getAllByKey(key: string): string[] {
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
    if (this.#spans !== undefined) this.#spans[first] = -1;
    this.#invalidate(key);
  }

  append(name: string, value: string): void {
    const key = headerKey(name);
    this.#names.push(name);
    this.#keys.push(key);
    this.#values.push(value);
    this.#spans?.push(-1);
    this.#invalidate(key);
  }

  /** Inserts a new first field of that name (before the existing ones, or at the top). */
  prepend(name: string, value: string): void {
    const key = headerKey(name);
    let at = this.#keys.indexOf(key);
    if (at < 0) at = 0;
    insertAt(this.#names, at, name);
    insertAt(this.#keys, at, key);
    insertAt(this.#values, at, value);
    if (this.#spans !== undefined) insertAt(this.#spans, at, -1);
    this.#invalidate(key);
  }

  delete(name: string): void {
    const key = headerKey(name);
    this.#removeKey(key, 0);
    this.#invalidate(key);
  }

  /** Removes the first VALUE (a comma-folded field keeps its remaining values). */
  removeFirst(name: string): string | undefined {
    const key = headerKey(name);
    const i = this.#keys.indexOf(key);
    if (i < 0) return undefined;
    this.#invalidate(key);
    const v = this.#values[i] as string;
    if (isMultiValue(key) && v.indexOf(',') >= 0) {
      const parts = splitTopLevel(v);
      if (parts.length > 1) {
        this.#values[i] = parts.slice(1).join(', ');
        if (this.#spans !== undefined) this.#spans[i] = -1;
        return parts[0];
      }
    }
    this.#removeAt(i);
    return v;
  }

  #removeKey(key: string, from: number): void {
    for (let i = this.#keys.length - 1; i >= from; i--) {
      if (this.#keys[i] === key) this.#removeAt(i);
    }
  }

  /** Removes field i from the parallel arrays (splice would allocate an array of the removed items, per array). */
  #removeAt(i: number): void {
    removeAt(this.#names, i);
    removeAt(this.#keys, i);
    removeAt(this.#values, i);
    if (this.#spans !== undefined) removeAt(this.#spans, i);
  }

  #invalidate(key: string): void {
    const id = headerId(key);
    if (id !== 0) {
      if (this.#memo !== undefined) {
        this.#memo[id] = UNSET;
        if (id === H_VIA) this.#memo[H_TOP_VIA] = UNSET;
      }
    } else {
      this.#cache?.delete(key);
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
  /** Offset of field i's line in source() when it can be copied as is, else -1. @internal */
  spanAt(i: number): number {
    return this.#spans === undefined ? -1 : (this.#spans[i] as number);
  }
  /** Received bytes the spans point into. @internal */
  source(): Buffer | undefined {
    return this.#src;
  }

  /** Cached parsed view of an H_* header by id (UNSET when not cached). @internal */
  memo(id: number): unknown {
    return this.#memo === undefined ? UNSET : this.#memo[id];
  }
  /** @internal */
  setMemo(id: number, v: unknown): void {
    if (this.#memo === undefined) this.#memo = newMemo();
    this.#memo[id] = v;
  }

  /** Cached parsed view of a header; recomputed after the header is changed. */
  parsed<T>(name: string, parse: (h: SipHeaders) => T): T {
    const key = headerKey(name);
    const id = headerId(key);
    if (id !== 0) {
      const m = this.memo(id);
      if (m !== UNSET) return m as T;
      const v = parse(this);
      this.setMemo(id, v);
      return v;
    }
    const cache = (this.#cache ??= new Map());
    if (cache.has(key)) return cache.get(key) as T;
    const v = parse(this);
    cache.set(key, v);
    return v;
  }

  clone(): SipHeaders {
    return SipHeaders.fromParsed(this.#names.slice(), this.#keys.slice(), this.#values.slice(), this.#src, this.#spans?.slice());
  }
}
