// What the INVITE (RFC 3261 §17.2.1) and non-INVITE (§17.2.2) server transactions share: identity, the
// response target (§18.2.2), the timer set, TU callbacks, sending with transport-error handling (§17.2.4)
// and the one-way move to Terminated. Each subclass keeps its own state machine.
import { parseMessage, type SipRequest, type SipResponse } from '../message.ts';
import { ownString } from '../own-string.ts';
import { lastSent, TxTimers, trySend, type TxContext } from './context.ts';
import { ExpiryQueue, type Expirable } from './expiry.ts';
import { responseTarget } from './response-target.ts';
import type { MessageSource, SendTarget, ServerTransaction, ServerTxState } from './types.ts';

export type FailureReason = 'timeout' | 'transport';

let releaseSeq = 0;
/** 1, 2, … (wraps long before losing integer precision; 0 means none) */
function nextReleaseId(): number {
  releaseSeq = releaseSeq >= 0x3fffffff ? 1 : releaseSeq + 1;
  return releaseSeq;
}

export abstract class ServerTransactionBase implements ServerTransaction, Expirable {
  readonly kind = 'server' as const;
  readonly id: string;
  readonly method: string;
  readonly branch: string;
  readonly source: MessageSource;
  protected current: ServerTxState;
  protected readonly ctx: TxContext;
  // After a final response the transaction only absorbs retransmissions for 64*T1 (Timers J, L) or resends its
  // final response (G): it keeps the serialised request and response, not their parsed objects, which are
  // rebuilt only if asked for (a proxy holding thousands of these spent a quarter of its CPU in GC).
  #request: SipRequest | undefined;
  #requestBytes: Buffer | undefined;
  #last: SipResponse | undefined;
  #lastBytes: Buffer | undefined;
  /** releaseId given to the response object last sent, for matching asynchronous transport errors after release */
  #lastSentId: number;
  protected readonly timers: TxTimers;
  /** reliable transports run no retransmission timers and zero wait timers (RFC 3261 §17.2.1, §17.2.2) */
  protected readonly reliable: boolean;
  readonly #target: SendTarget;
  // made on first registration: most transactions never get one
  #failureCbs: Array<(r: FailureReason) => void> | undefined = undefined;
  #terminatedCbs: Array<() => void> | undefined = undefined;

  constructor(ctx: TxContext, id: string, req: SipRequest, source: MessageSource, initial: ServerTxState) {
    this.ctx = ctx;
    this.id = ownString(id); // kept for the transaction's life: not built from slices of a message (own-string.ts)
    this.method = req.method;
    this.branch = ownString(req.topVia.branch ?? ''); // not a slice of the message text (own-string.ts)
    this.#request = req;
    this.#requestBytes = undefined;
    this.#last = undefined;
    this.#lastBytes = undefined;
    this.#lastSentId = 0;
    this.source = source;
    this.current = initial;
    this.timers = new TxTimers(ctx.clock);
    this.reliable = ctx.sink.reliable(source.transport) || source.inProcess === true;
    this.#target = responseTarget(req.topVia, source, this.reliable);
  }

  get state(): ServerTxState {
    return this.current;
  }
  get lastResponse(): SipResponse | undefined {
    return this.last;
  }

  /** The request (rebuilt from its bytes once after the transaction released it). */
  get request(): SipRequest {
    let r = this.#request;
    if (r === undefined) {
      r = this.#request = parseMessage(this.#requestBytes as Buffer) as SipRequest;
      this.#requestBytes = undefined;
    }
    return r;
  }

  /** The most recent response handed to the transport. */
  protected get last(): SipResponse | undefined {
    let r = this.#last;
    if (r === undefined && this.#lastBytes !== undefined) {
      r = this.#last = parseMessage(this.#lastBytes) as SipResponse;
      this.#lastBytes = undefined;
    }
    return r;
  }

  protected set last(res: SipResponse | undefined) {
    this.#last = res;
    this.#lastBytes = undefined;
  }

  /** True when `res` is the response this transaction last sent (transport errors arrive asynchronously). @internal */
  sent(res: SipResponse): boolean {
    return this.#last === res || (this.#lastSentId !== 0 && res.releaseId === this.#lastSentId);
  }

  /**
   * Final state reached: keep bytes instead of parsed messages. `sent` is what the sink returned for the last
   * response (undefined: serialise it here).
   */
  protected release(sent: Buffer | undefined): void {
    const res = this.#last;
    if (res !== undefined) {
      this.#lastBytes = sent ?? res.toBuffer();
      this.#lastSentId = res.releaseId = nextReleaseId();
      this.#last = undefined;
    }
    const req = this.#request;
    if (req !== undefined) {
      this.#requestBytes = req.toBuffer();
      this.#request = undefined;
    }
  }
  abstract readonly cancelled: boolean;

  abstract receiveRequest(req: SipRequest, source: MessageSource): void;
  abstract respond(res: SipResponse): void;

  respondStateless(res: SipResponse): void {
    if (this.method === 'INVITE' || res.status < 200 || this.reliable) return this.respond(res);
    if (this.current !== 'trying' && this.current !== 'proceeding')
      throw new Error(`server transaction in ${this.current} cannot send ${res.status}`);
    if (this.send(res)) this.terminate();
  }
  abstract onCancel(cb: (cancel: SipRequest) => void): void;

  onFailure(cb: (reason: FailureReason) => void): void {
    (this.#failureCbs ??= []).push(cb);
  }
  onTerminated(cb: () => void): void {
    (this.#terminatedCbs ??= []).push(cb);
  }
  forgetCallbacks(): void {
    this.#failureCbs = undefined;
    this.#terminatedCbs = undefined;
  }

  /** RFC 3261 §17.2.4: a transport failure terminates the transaction and is reported to the TU. */
  transportError(): void {
    if (this.current === 'terminated') return;
    this.fail('transport');
  }

  /** @internal the ExpiryQueue this transaction waits in for Timer I, J or L, if any */
  expiryQueue: ExpiryQueue | undefined = undefined;

  /** Terminate after `ms` (Timers I, J, L: nothing else happens at their end). */
  protected expireAfter(ms: number): void {
    this.ctx.expiry(ms).enter(this);
  }

  /** Stop everything and move to Terminated, once. */
  terminate(): void {
    if (this.current === 'terminated') return;
    this.current = 'terminated';
    this.timers.stopAll();
    ExpiryQueue.leave(this);
    this.ctx.removed(this);
    if (this.#terminatedCbs !== undefined) for (const cb of this.#terminatedCbs) cb();
  }

  protected fail(reason: FailureReason): void {
    this.terminate();
    if (this.#failureCbs !== undefined) for (const cb of this.#failureCbs) cb(reason);
  }

  /** false (and the transaction terminated) when the transport failed */
  protected send(res: SipResponse): boolean {
    const err = trySend(this.ctx.sink, res, this.#target);
    if (err === undefined) return true;
    this.transportError();
    return false;
  }

  /** send() the final response, then release the parsed messages (unless the send failed). */
  protected sendFinal(res: SipResponse): void {
    if (!this.send(res)) return;
    this.release(lastSent.bytes);
  }
}
