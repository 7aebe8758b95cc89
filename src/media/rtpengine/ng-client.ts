// rtpengine ng control protocol client over UDP: every datagram is `<cookie> <bencoded dict>`, and
// the reply carries the same cookie, so requests are matched by cookie and many can be in flight.
// A lost datagram is retransmitted with the same cookie (rtpengine answers a repeated cookie from
// its reply cache instead of running the command twice).
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { decodeBencode, encodeBencode, isDict, asString, type BDict, type BInput } from './bencode.ts';

export interface NgClientOptions {
  host: string;
  port: number;
  /** Wait for a reply this long before retransmitting (ms). */
  timeoutMs?: number;
  /** Retransmissions after the first attempt. */
  retries?: number;
  /** Upper bound of requests in flight; more wait for a free slot. */
  maxInFlight?: number;
}

export type NgReply =
  | { ok: true; reply: BDict }
  | { ok: false; code: 'engine_timeout' | 'engine_error'; message: string; reply?: BDict };

interface Pending {
  datagram: Buffer;
  attemptsLeft: number;
  timer: NodeJS.Timeout | undefined;
  resolve: (r: NgReply) => void;
}

export class NgClient {
  readonly host: string;
  readonly port: number;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly maxInFlight: number;
  private readonly socket: Socket;
  private readonly pending = new Map<string, Pending>();
  private readonly waiting: Array<() => void> = [];
  private readonly prefix = randomBytes(4).toString('hex');
  private counter = 0;
  private closed = false;
  private bound: Promise<void> | undefined;

  constructor(opts: NgClientOptions) {
    this.host = opts.host;
    this.port = opts.port;
    this.timeoutMs = opts.timeoutMs ?? 1000;
    this.retries = opts.retries ?? 2;
    this.maxInFlight = opts.maxInFlight ?? 256;
    this.socket = createSocket(isIP(opts.host) === 6 ? 'udp6' : 'udp4');
    this.socket.on('message', (msg) => this.onMessage(msg));
    // Send errors (ICMP unreachable surfaces as ECONNREFUSED on some systems) end in a timeout.
    this.socket.on('error', () => undefined);
  }

  /** Sends one command; resolves with the reply dict, `engine_error` when result is 'error'. */
  async request(command: BInput & Record<string, BInput | undefined>): Promise<NgReply> {
    if (this.closed) return { ok: false, code: 'engine_error', message: 'ng client closed' };
    this.bound ??= new Promise((resolve) => this.socket.bind(0, () => resolve()));
    await this.bound;
    while (this.pending.size >= this.maxInFlight) await new Promise<void>((r) => this.waiting.push(r));
    if (this.closed) return { ok: false, code: 'engine_error', message: 'ng client closed' };
    const cookie = `${this.prefix}_${(this.counter++).toString(36)}`;
    const datagram = Buffer.concat([Buffer.from(`${cookie} `, 'latin1'), encodeBencode(command)]);
    return new Promise<NgReply>((resolve) => {
      const p: Pending = { datagram, attemptsLeft: this.retries + 1, timer: undefined, resolve };
      this.pending.set(cookie, p);
      this.transmit(cookie, p);
    });
  }

  private transmit(cookie: string, p: Pending): void {
    if (p.attemptsLeft === 0) {
      this.settle(cookie, {
        ok: false,
        code: 'engine_timeout',
        message: `no reply from rtpengine ${this.host}:${this.port} after ${this.retries + 1} attempts`,
      });
      return;
    }
    p.attemptsLeft--;
    this.socket.send(p.datagram, this.port, this.host);
    p.timer = setTimeout(() => this.transmit(cookie, p), this.timeoutMs);
  }

  private onMessage(msg: Buffer): void {
    const sp = msg.indexOf(0x20);
    if (sp <= 0) return;
    const cookie = msg.toString('latin1', 0, sp);
    if (!this.pending.has(cookie)) return; // late duplicate of a settled request
    const decoded = decodeBencode(msg.subarray(sp + 1));
    if (!decoded.ok || !isDict(decoded.value)) {
      this.settle(cookie, { ok: false, code: 'engine_error', message: 'unreadable ng reply' });
      return;
    }
    const reply = decoded.value;
    const result = asString(reply['result']);
    if (result === 'error' || result === 'load limit') {
      const reason = asString(reply['error-reason']) ?? result;
      this.settle(cookie, { ok: false, code: 'engine_error', message: reason, reply });
      return;
    }
    this.settle(cookie, { ok: true, reply });
  }

  private settle(cookie: string, r: NgReply): void {
    const p = this.pending.get(cookie);
    if (!p) return;
    if (p.timer) clearTimeout(p.timer);
    this.pending.delete(cookie);
    this.waiting.shift()?.();
    p.resolve(r);
  }

  get inFlight(): number {
    return this.pending.size;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const cookie of [...this.pending.keys()]) {
      this.settle(cookie, { ok: false, code: 'engine_error', message: 'ng client closed' });
    }
    for (const w of this.waiting.splice(0)) w();
    try {
      this.socket.close();
    } catch {
      // never bound: nothing to close
    }
  }
}
