// What every transaction needs from the layer that owns it.
import type { Clock, TimerHandle } from '../clock.ts';
import type { SipMessage, SipRequest } from '../message.ts';
import type { TimerConfig } from './timers.ts';
import type { ClientTransaction, SendTarget, TransportSink, ClientTxHandlers, MessageSource } from './types.ts';

export interface TxContext {
  readonly sink: TransportSink;
  readonly clock: Clock;
  readonly timers: TimerConfig;
  /** Called once when a transaction reaches Terminated: the layer drops it from its tables. */
  removed(tx: { id: string; kind: 'client' | 'server' }): void;
  /** RFC 6026 §8.7: ACKs reaching an INVITE server transaction in Accepted go to the TU/core. */
  deliverAck(ack: SipRequest, source: MessageSource): void;
  /** Starts a non-INVITE client transaction (used for CANCEL). */
  sendRequest(req: SipRequest, target: SendTarget, h: ClientTxHandlers): ClientTransaction;
}

/** Named timers of one transaction; all cleared on termination so nothing outlives it. */
export class TxTimers {
  readonly #clock: Clock;
  readonly #handles = new Map<string, TimerHandle>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  start(name: string, ms: number, fn: () => void): void {
    this.stop(name);
    this.#handles.set(
      name,
      this.#clock.setTimeout(() => {
        this.#handles.delete(name);
        fn();
      }, ms),
    );
  }

  stop(name: string): void {
    const h = this.#handles.get(name);
    if (h !== undefined) {
      this.#clock.clearTimeout(h);
      this.#handles.delete(name);
    }
  }

  stopAll(): void {
    for (const h of this.#handles.values()) this.#clock.clearTimeout(h);
    this.#handles.clear();
  }
}

/** Send through the sink; a throwing sink counts as a transport error (RFC 3261 §17.1.4, §17.2.4). */
export function trySend(sink: TransportSink, msg: SipMessage, target: SendTarget): string | undefined {
  try {
    sink.send(msg, target);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
