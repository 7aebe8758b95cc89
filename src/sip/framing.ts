// Stream framer for TCP/TLS: cuts the byte stream into messages by Content-Length (RFC 3261 §18.3),
// across partial reads and with several messages per read, and recognises RFC 5626 §3.5.1 keep-alives
// (CRLFCRLF "ping" to be answered with a CRLF "pong"). After an error the connection must be closed:
// the framer stays failed and returns nothing more.
import { SIP_ERRORS, type SipErrorCode } from './errors.ts';

export class FramingError {
  readonly code: SipErrorCode;
  readonly reason: string;
  readonly message: string;
  constructor(code: SipErrorCode, detail: string) {
    this.code = code;
    this.reason = SIP_ERRORS[code].reason;
    this.message = `${this.reason}: ${detail}`;
  }
}

export interface KeepAlive {
  keepalive: 'ping' | 'pong';
}

export type FramerOutput = Buffer | FramingError | KeepAlive;

export interface FramerOptions {
  maxMessageBytes?: number;
}

const CRLFCRLF = Buffer.from('\r\n\r\n');
const EMPTY = Buffer.alloc(0);

export function isKeepAlive(x: FramerOutput): x is KeepAlive {
  return !Buffer.isBuffer(x) && !(x instanceof FramingError);
}

export class StreamFramer {
  readonly #max: number;
  #buf: Buffer = EMPTY;
  #scanFrom = 0; // where the CRLFCRLF search resumes
  #need = -1; // total frame length once the head is complete
  #failed = false;
  #loneCrlf = false; // last read ended with a lone CRLF (reported as pong)

  constructor(opts: FramerOptions = {}) {
    this.#max = opts.maxMessageBytes ?? 65535;
  }

  /** Bytes buffered but not yet framed. */
  get pending(): number {
    return this.#buf.length;
  }

  get failed(): boolean {
    return this.#failed;
  }

  push(chunk: Buffer): FramerOutput[] {
    const out: FramerOutput[] = [];
    if (this.#failed || chunk.length === 0) return out;
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    for (;;) {
      const r = this.#next(out);
      if (!r) break;
    }
    return out;
  }

  #fail(out: FramerOutput[], code: SipErrorCode, detail: string): false {
    this.#failed = true;
    this.#buf = EMPTY;
    out.push(new FramingError(code, detail));
    return false;
  }

  /** Extracts one item into out; false when more bytes are needed (or failed). */
  #next(out: FramerOutput[]): boolean {
    const b = this.#buf;
    if (b.length === 0) return false;
    if (this.#need < 0) {
      // Between messages: CRLFs are keep-alives (RFC 5626 §3.5.1) or ignorable (RFC 3261 §7.5).
      if (b[0] === 13 || b[0] === 10) {
        if (b.length >= 4 && b[0] === 13 && b[1] === 10 && b[2] === 13 && b[3] === 10) {
          this.#consume(4);
          this.#loneCrlf = false;
          out.push({ keepalive: 'ping' });
          return true;
        }
        if (b.length >= 2 && b[0] === 13 && b[1] === 10) {
          if (b.length === 2 || b[2] !== 13) {
            // A lone CRLF is a pong; if it turns out to be the first half of a split ping, the second
            // half is reported as a ping as well (a pong is harmless to whoever receives it).
            this.#consume(2);
            out.push({ keepalive: this.#loneCrlf ? 'ping' : 'pong' });
            this.#loneCrlf = !this.#loneCrlf && this.#buf.length === 0;
            return true;
          }
          return false; // CRLF CR…: wait for the rest of a ping
        }
        if (b[0] === 10) {
          this.#consume(1); // stray LF
          return true;
        }
        return false; // lone CR: wait
      }
      this.#loneCrlf = false;
      const end = b.indexOf(CRLFCRLF, this.#scanFrom);
      if (end < 0) {
        if (b.length > this.#max) return this.#fail(out, 'SIP_ERR_MESSAGE_TOO_LARGE', 'header section too long');
        this.#scanFrom = Math.max(0, b.length - 3);
        return false;
      }
      const cl = contentLength(b, end);
      if (cl < 0) return this.#fail(out, 'SIP_ERR_BAD_CONTENT_LENGTH', cl === -2 ? 'conflicting values' : 'invalid value');
      this.#need = end + 4 + cl;
      if (this.#need > this.#max) return this.#fail(out, 'SIP_ERR_MESSAGE_TOO_LARGE', `${this.#need} bytes`);
    }
    if (b.length < this.#need) return false;
    out.push(b.subarray(0, this.#need));
    this.#consume(this.#need);
    this.#need = -1;
    return true;
  }

  #consume(n: number): void {
    this.#buf = n >= this.#buf.length ? EMPTY : this.#buf.subarray(n);
    this.#scanFrom = 0;
  }
}

/**
 * Content-Length of the head b[0..end): 0 when absent (RFC 3261 §18.3 requires it on streams; we are
 * lenient), -1 when invalid, -2 when several differing values (RFC 4475 §3.3.9 mcl01).
 */
function contentLength(b: Buffer, end: number): number {
  const head = b.toString('latin1', 0, end);
  let value = -3;
  let p = 0;
  while (p < head.length) {
    let e = head.indexOf('\n', p);
    if (e < 0) e = head.length;
    const c = head.charCodeAt(p);
    // name is 'l' or 'content-length' (case-insensitive), then optional WSP, then ':'
    if (c === 108 || c === 76 || c === 99 || c === 67) {
      const colon = head.indexOf(':', p);
      if (colon > p && colon < e) {
        const name = head.slice(p, colon).trimEnd().toLowerCase();
        if (name === 'l' || name === 'content-length') {
          let v = head.slice(colon + 1, e).trim();
          // folded continuation lines are not expected for a number; take the first line only
          if (v.length === 0 || v.length > 10) return -1;
          let n = 0;
          for (let i = 0; i < v.length; i++) {
            const d = v.charCodeAt(i) - 48;
            if (d < 0 || d > 9) return -1;
            n = n * 10 + d;
          }
          v = '';
          if (value !== -3 && value !== n) return -2;
          value = n;
        }
      }
    }
    p = e + 1;
  }
  return value === -3 ? 0 : value;
}
