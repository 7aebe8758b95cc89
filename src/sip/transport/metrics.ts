// Counters of the stack's transport layer. Plain integers, read by tests, logs and the metrics endpoint.

export type CounterName =
  | 'received' // messages handed up by a transport (keep-alives excluded)
  | 'parsed' // passed to the transaction layer
  | 'dropped' // discarded without a response (see dropReasons)
  | 'badRequests' // requests the parser rejected
  | 'rejected' // of those, answered with 4xx/5xx
  | 'badResponses' // responses the parser rejected or whose Via is not ours: dropped
  | 'sent'
  | 'sendErrors'
  | 'keepalivePings'
  | 'keepalivePongs'
  | 'connectionsOpened'
  | 'connectionsClosed';

export type MetricsSnapshot = Record<CounterName, number> & { dropReasons: Record<string, number> };

export class StackMetrics {
  #c: Record<CounterName, number> = {
    received: 0,
    parsed: 0,
    dropped: 0,
    badRequests: 0,
    rejected: 0,
    badResponses: 0,
    sent: 0,
    sendErrors: 0,
    keepalivePings: 0,
    keepalivePongs: 0,
    connectionsOpened: 0,
    connectionsClosed: 0,
  };
  #reasons = new Map<string, number>();

  count(name: CounterName, n = 1): void {
    this.#c[name] += n;
  }

  /** a drop with its reason (bounded: reasons are codes chosen by the code, never peer input) */
  drop(reason: string): void {
    this.#c.dropped++;
    this.#reasons.set(reason, (this.#reasons.get(reason) ?? 0) + 1);
  }

  get(name: CounterName): number {
    return this.#c[name];
  }

  snapshot(): MetricsSnapshot {
    return { ...this.#c, dropReasons: Object.fromEntries(this.#reasons) };
  }
}
