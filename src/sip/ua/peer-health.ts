// Which of several SIP peers gets new requests: the first one that answered its last keep-alive OPTIONS. Every
// peer is probed every `intervalMs`; a peer that has not answered a probe within `timeoutMs` is down until it answers
// again (any response counts: the path and the peer's stack work). With one peer nothing is probed. Used by the app
// for its edges (SIP_EDGE_NODES; the edge answers probes without a user in the Request-URI itself) and by the users
// edge for its app nodes (SIP_APP_NODES; the app answers OPTIONS 200): seed-part1 §1.32, an application server
// that does not respond is taken out until it does.
import type { Clock, TimerHandle } from '../clock.ts';
import { createRequest } from '../message.ts';
import { randomHex } from '../random.ts';
import type { TransactionLayer } from '../transaction/layer.ts';
import type { SendTarget } from '../transaction/types.ts';

export interface ProbeOptions {
  /** between probes, ms (default 5000) */
  intervalMs?: number;
  /** an unanswered probe marks the peer down after this long, ms (default 2000) */
  timeoutMs?: number;
}

interface PeerState {
  target: SendTarget;
  up: boolean;
  /** when it last answered a probe (clock ms) */
  answeredAt: number;
}

export class PeerHealth {
  #peers: PeerState[] = [];
  #timer: TimerHandle | undefined;
  #stopped = false;
  readonly #interval: number;
  readonly #timeout: number;

  constructor(
    private readonly layer: TransactionLayer,
    private readonly clock: Clock,
    private readonly contact: () => string,
    o: ProbeOptions = {},
  ) {
    this.#interval = o.intervalMs ?? 5000;
    this.#timeout = o.timeoutMs ?? 2000;
  }

  /** The peers, in order of preference; probing starts when there are several. */
  set(targets: SendTarget[]): void {
    this.#peers = targets.map((target) => ({ target, up: true, answeredAt: -Infinity }));
    this.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#peers.length > 1 && !this.#stopped) this.#probeAll();
  }

  /** The first peer that is up (the first one when none is). */
  pick(): SendTarget {
    const e = this.#peers.find((x) => x.up) ?? this.#peers[0];
    if (!e) throw new Error('no peer configured');
    return e.target;
  }

  /** Whether a peer counts as up (one that is not probed, the only one, always does). */
  isUp(host: string, port: number): boolean {
    return this.#peers.some((e) => e.up && e.target.host === host && e.target.port === port);
  }

  stop(): void {
    this.#stopped = true;
    this.clock.clearTimeout(this.#timer);
  }

  #probeAll(): void {
    const peers = this.#peers;
    for (const e of peers) this.#probe(e);
    this.#timer = this.clock.setTimeout(() => {
      if (!this.#stopped && this.#peers === peers) this.#probeAll();
    }, this.#interval);
  }

  #probe(e: PeerState): void {
    const t = e.target;
    const host = t.host.includes(':') ? `[${t.host}]` : t.host;
    const req = createRequest({
      method: 'OPTIONS',
      uri: `sip:${host}:${t.port}`,
      headers: [
        ['Max-Forwards', '1'],
        ['From', `${this.contact()};tag=${randomHex(6)}`],
        ['To', `<sip:${host}:${t.port}>`],
        ['Call-ID', `${randomHex(12)}@probe`],
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
