// In-memory transports for tests (no sockets): a recording, optionally lossy TransportSink, and a network
// that wires several transaction layers back to back through serialise → parse, like a wire would.
import type { Clock } from '../clock.ts';
import { parseMessage, type SipMessage } from '../message.ts';
import type { MessageSource, SendTarget, TransportName, TransportSink } from './types.ts';

export interface SentRecord {
  msg: SipMessage;
  target: SendTarget;
  at: number;
  dropped: boolean;
}

/** Decides whether a message is lost on the wire; `n` counts messages of the same first line so far (1-based). */
export type DropRule = (msg: SipMessage, n: number) => boolean;

export function firstLine(msg: SipMessage): string {
  return msg.isRequest ? msg.method : `${msg.status} ${msg.cseq.method}`;
}

/** Records everything sent; with `drop` it loses chosen messages (UDP packet loss). */
export class RecordingSink implements TransportSink {
  readonly sent: SentRecord[] = [];
  drop: DropRule | undefined;
  readonly #clock: Clock;
  readonly #counts = new Map<string, number>();
  /** Called for every message not dropped. */
  onDeliver: ((msg: SipMessage, target: SendTarget) => void) | undefined;

  /** Creation time: the default origin of times(). */
  readonly t0: number;

  constructor(clock: Clock) {
    this.#clock = clock;
    this.t0 = clock.now();
  }

  send(msg: SipMessage, target: SendTarget): void {
    const key = firstLine(msg);
    const n = (this.#counts.get(key) ?? 0) + 1;
    this.#counts.set(key, n);
    const dropped = this.drop?.(msg, n) ?? false;
    this.sent.push({ msg, target, at: this.#clock.now(), dropped });
    if (!dropped) this.onDeliver?.(msg, target);
  }

  reliable(transport: string): boolean {
    return transport !== 'UDP';
  }

  /** Times (relative to `t0`) at which messages with this first line ("INVITE", "487 INVITE") were sent. */
  times(line: string, t0 = this.t0): number[] {
    return this.sent.filter((r) => firstLine(r.msg) === line).map((r) => r.at - t0);
  }

  count(line: string): number {
    return this.sent.filter((r) => firstLine(r.msg) === line).length;
  }

  last(line?: string): SipMessage | undefined {
    for (let i = this.sent.length - 1; i >= 0; i--) {
      const r = this.sent[i]!;
      if (line === undefined || firstLine(r.msg) === line) return r.msg;
    }
    return undefined;
  }
}

export interface MemoryEndpoint {
  host: string;
  port: number;
  transport: TransportName;
  receive(msg: SipMessage, source: MessageSource): void;
}

/**
 * Several endpoints (host:port) exchanging messages through serialise/parse with a latency on the clock.
 * Each endpoint gets its own RecordingSink (so loss can be injected per direction).
 */
export class MemoryNetwork {
  readonly #clock: Clock;
  readonly #latency: number;
  readonly #endpoints = new Map<string, MemoryEndpoint>();

  constructor(clock: Clock, latencyMs = 1) {
    this.#clock = clock;
    this.#latency = latencyMs;
  }

  /** Returns the sink the endpoint's transaction layer sends through. */
  attach(ep: MemoryEndpoint): RecordingSink {
    this.#endpoints.set(`${ep.host}:${ep.port}`, ep);
    const sink = new RecordingSink(this.#clock);
    sink.onDeliver = (msg, target) => {
      const wire = msg.toBuffer();
      this.#clock.setTimeout(() => {
        const dest = this.#endpoints.get(`${target.host}:${target.port}`);
        if (!dest) return; // nobody there: lost, like UDP to a closed port
        dest.receive(parseMessage(wire), { transport: target.transport, host: ep.host, port: ep.port });
      }, this.#latency);
    };
    return sink;
  }

  detach(host: string, port: number): void {
    this.#endpoints.delete(`${host}:${port}`);
  }
}
