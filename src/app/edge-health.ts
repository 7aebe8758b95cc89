// Which users edge gets the app's B legs when it knows several (SIP_EDGE_NODES): the first one that answered its
// last keep-alive OPTIONS. Every edge is probed every `intervalMs`; an edge that has not answered a probe within
// `timeoutMs` is down until it answers again. When none is up (or before the first answers) the first edge is used,
// as with a single edge. With one edge nothing is probed. Probes carry no user in the Request-URI: the edge answers
// them itself (src/edge/users/proxy.ts).
import type { Clock, TimerHandle } from '../sip/clock.ts';
import { createRequest } from '../sip/message.ts';
import { randomHex } from '../sip/random.ts';
import type { TransactionLayer } from '../sip/transaction/layer.ts';
import type { SendTarget } from '../sip/transaction/types.ts';

export interface EdgeProbeOptions {
  /** between probes, ms (default 5000) */
  intervalMs?: number;
  /** an unanswered probe marks the edge down after this long, ms (default 2000) */
  timeoutMs?: number;
}

interface EdgeState {
  target: SendTarget;
  up: boolean;
  /** when it last answered a probe (clock ms) */
  answeredAt: number;
}

export class EdgeHealth {
  #edges: EdgeState[] = [];
  #timer: TimerHandle | undefined;
  #stopped = false;
  readonly #interval: number;
  readonly #timeout: number;

  constructor(
    private readonly layer: TransactionLayer,
    private readonly clock: Clock,
    private readonly contact: () => string,
    o: EdgeProbeOptions = {},
  ) {
    this.#interval = o.intervalMs ?? 5000;
    this.#timeout = o.timeoutMs ?? 2000;
  }

  /** The edges, in order of preference; probing starts when there are several. */
  set(targets: SendTarget[]): void {
    this.#edges = targets.map((target) => ({ target, up: true, answeredAt: -Infinity }));
    this.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#edges.length > 1 && !this.#stopped) this.#probeAll();
  }

  /** The edge for a new B leg. */
  pick(): SendTarget {
    const e = this.#edges.find((x) => x.up) ?? this.#edges[0];
    if (!e) throw new Error('no edge configured');
    return e.target;
  }

  /** Whether an edge counts as up (tests, diagnostics). */
  isUp(host: string, port: number): boolean {
    return this.#edges.some((e) => e.up && e.target.host === host && e.target.port === port);
  }

  stop(): void {
    this.#stopped = true;
    this.clock.clearTimeout(this.#timer);
  }

  #probeAll(): void {
    const edges = this.#edges;
    for (const e of edges) this.#probe(e);
    this.#timer = this.clock.setTimeout(() => {
      if (!this.#stopped && this.#edges === edges) this.#probeAll();
    }, this.#interval);
  }

  #probe(e: EdgeState): void {
    const t = e.target;
    const host = t.host.includes(':') ? `[${t.host}]` : t.host;
    const req = createRequest({
      method: 'OPTIONS',
      uri: `sip:${host}:${t.port}`,
      headers: [
        ['Max-Forwards', '1'],
        ['From', `${this.contact()};tag=${randomHex(6)}`],
        ['To', `<sip:${host}:${t.port}>`],
        ['Call-ID', `${randomHex(12)}@edge-probe`],
        ['CSeq', '1 OPTIONS'],
      ],
    });
    const sentAt = this.clock.now();
    const timer = this.clock.setTimeout(() => {
      // no answer since this probe went out: down until it answers
      if (e.answeredAt < sentAt) e.up = false;
    }, this.#timeout);
    this.layer.sendRequest(req, t, {
      onResponse: () => {
        this.clock.clearTimeout(timer);
        e.answeredAt = this.clock.now();
        e.up = true;
      },
      onTransportError: () => {
        this.clock.clearTimeout(timer);
        e.up = false;
      },
    });
  }
}
