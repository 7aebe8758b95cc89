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

/**
 * Named timers of one transaction; all cleared on termination so nothing outlives it. A transaction runs at
 * most three at once, so two small arrays do (a Map per transaction was a measurable share of a proxy's
 * allocations).
 */
export class TxTimers {
  readonly #clock: Clock;
  readonly #names: string[] = [];
  readonly #handles: TimerHandle[] = [];

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  start(name: string, ms: number, fn: () => void): void {
    this.stop(name);
    const h = this.#clock.setTimeout(() => {
      this.#remove(h);
      fn();
    }, ms);
    this.#names.push(name);
    this.#handles.push(h);
  }

  stop(name: string): void {
    const i = this.#names.indexOf(name);
    if (i < 0) return;
    this.#clock.clearTimeout(this.#handles[i] as TimerHandle);
    this.#names.splice(i, 1);
    this.#handles.splice(i, 1);
  }

  stopAll(): void {
    for (const h of this.#handles) this.#clock.clearTimeout(h);
    this.#names.length = 0;
    this.#handles.length = 0;
  }

  #remove(h: TimerHandle): void {
    const i = this.#handles.indexOf(h);
    if (i < 0) return;
    this.#names.splice(i, 1);
    this.#handles.splice(i, 1);
  }
}

/** The bytes of the last successful trySend, when the sink returned them (sending is synchronous). */
export const lastSent: { bytes: Buffer | undefined } = { bytes: undefined };

/** Send through the sink; a throwing sink counts as a transport error (RFC 3261 §17.1.4, §17.2.4). */
export function trySend(sink: TransportSink, msg: SipMessage, target: SendTarget): string | undefined {
  try {
    const bytes = sink.send(msg, target);
    lastSent.bytes = bytes === undefined ? undefined : bytes;
    return undefined;
  } catch (e) {
    lastSent.bytes = undefined;
    return e instanceof Error ? e.message : String(e);
  }
}
