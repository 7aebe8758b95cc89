// Header parameters (RFC 3261 §25.1 generic-param) kept as their validated text until a Map is needed.
// A proxy reads one or two parameters per header (tag, branch, rport, received); building a Map for each
// Via, From and To of every message was a large share of the per-message allocations. get/has scan the
// short text; any other use (iteration, size, set, delete) builds the Map once and delegates to it.
import { endOfQuotedTo, parseParams, skipWsTo, TOKEN } from './scan.ts';

type Value = string | null;

/**
 * Value of the last parameter named `name` (lower-case) in text (already validated by parseParams):
 * null for a flag, undefined when absent. Same answer as `parseParams(text, …).get(name)`.
 */
export function findParam(text: string, name: string): Value | undefined {
  const n = text.length;
  const nl = name.length;
  let found: Value | undefined;
  let i = skipWsTo(text, 0, n);
  while (i < n) {
    // text[i] === ';' (validated)
    i = skipWsTo(text, i + 1, n);
    const ns = i;
    while (i < n) {
      const d = text.charCodeAt(i);
      if (d >= 128 || TOKEN[d] !== 1) break;
      i++;
    }
    const ne = i;
    let match = ne - ns === nl;
    for (let k = 0; match && k < nl; k++) {
      let c = text.charCodeAt(ns + k);
      if (c >= 65 && c <= 90) c += 32;
      if (c !== name.charCodeAt(k)) match = false;
    }
    i = skipWsTo(text, i, n);
    let vs = -1;
    if (i < n && text.charCodeAt(i) === 61 /* = */) {
      i = skipWsTo(text, i + 1, n);
      vs = i;
      const c = text.charCodeAt(i);
      if (c === 34 /* " */) i = endOfQuotedTo(text, i, n);
      else if (c === 91 /* [ */) i = text.indexOf(']', i) + 1;
      else {
        while (i < n) {
          const d = text.charCodeAt(i);
          if (d < 128 && (TOKEN[d] === 1 || d === 58 || d === 47 || d === 64)) i++;
          else break;
        }
      }
      if (match) found = text.slice(vs, i);
      i = skipWsTo(text, i, n);
    } else if (match) found = null;
  }
  return found;
}

/**
 * A Map of header parameters backed by their received text (`;a=1;b`, validated). Behaves as the Map
 * parseParams would build (names lower-case, values raw, last occurrence wins).
 */
export class LazyParams implements Map<string, Value> {
  /** The parameter text while no Map was built (own fields, so deepEqual compares content). */
  text: string | undefined;
  map: Map<string, Value> | undefined;

  constructor(text: string) {
    this.text = text;
    this.map = undefined;
  }

  #built(): Map<string, Value> {
    let m = this.map;
    if (m === undefined) {
      m = new Map();
      const t = this.text as string;
      if (t.length > 0) parseParams(t, 0, m, 'SIP_ERR_BAD_HEADER', false, t.length);
      this.map = m;
      this.text = undefined;
    }
    return m;
  }

  get(key: string): Value | undefined {
    const t = this.text;
    if (t !== undefined) return t.length === 0 ? undefined : findParam(t, key);
    return (this.map as Map<string, Value>).get(key);
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  set(key: string, value: Value): this {
    this.#built().set(key, value);
    return this;
  }

  delete(key: string): boolean {
    return this.#built().delete(key);
  }

  clear(): void {
    this.#built().clear();
  }

  get size(): number {
    return this.#built().size;
  }

  forEach(fn: (value: Value, key: string, map: Map<string, Value>) => void, thisArg?: unknown): void {
    this.#built().forEach((v, k) => fn.call(thisArg, v, k, this));
  }

  entries(): MapIterator<[string, Value]> {
    return this.#built().entries();
  }

  keys(): MapIterator<string> {
    return this.#built().keys();
  }

  values(): MapIterator<Value> {
    return this.#built().values();
  }

  [Symbol.iterator](): MapIterator<[string, Value]> {
    return this.#built()[Symbol.iterator]();
  }

  get [Symbol.toStringTag](): string {
    return 'Map';
  }
}
