// What every transaction needs from the layer that owns it.
import type { Clock, TimerHandle } from '../clock.ts';
import type { SipMessage, SipRequest } from '../message.ts';
import type { ExpiryQueue } from './expiry.ts';
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
  /** The shared queue for wait timers of this length that only terminate (D, I, J, K, L, M). */
  expiry(ms: number): ExpiryQueue;
}

/**
 * Named timers of one transaction; all cleared on termination so nothing outlives it. A transaction runs at
 * most three at once, so two small arrays do (a Map per transaction was a measurable share of a proxy's
 * allocations). The arrays exist only while a timer is set: most transactions stop their timers within
 * milliseconds and then wait in an ExpiryQueue, so nothing of this stays behind for the garbage collector.
 * A timer that fired stays listed until stopped or replaced (clearing a fired timer is harmless), which
 * spares a wrapper closure per timer.
 */
export class TxTimers {
  readonly #clock: Clock;
  #names: string[] | undefined = undefined;
  #handles: TimerHandle[] | undefined = undefined;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  start(name: string, ms: number, fn: () => void): void {
    this.stop(name);
    const h = this.#clock.setTimeout(fn, ms);
    (this.#names ??= []).push(name);
    (this.#handles ??= []).push(h);
  }

  stop(name: string): void {
    const names = this.#names;
    const i = names === undefined ? -1 : names.indexOf(name);
    if (i < 0) return;
    const handles = this.#handles as TimerHandle[];
    this.#clock.clearTimeout(handles[i] as TimerHandle);
    if (handles.length === 1) {
      this.#names = undefined;
      this.#handles = undefined;
      return;
    }
    (names as string[]).splice(i, 1);
    handles.splice(i, 1);
  }

  stopAll(): void {
    const handles = this.#handles;
    if (handles === undefined) return;
    for (const h of handles) this.#clock.clearTimeout(h);
    this.#names = undefined;
    this.#handles = undefined;
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
