// What the INVITE (RFC 3261 §17.1.1) and non-INVITE (§17.1.2) client transactions share: identity, the
// timer set, sending with transport-error handling (§17.1.4), the timeout report to the TU and the
// one-way move to Terminated. Each subclass keeps its own state machine.
import { createResponse, parseMessage, type SipRequest, type SipResponse } from '../message.ts';
import { ownString } from '../own-string.ts';
import { lastSent, TxTimers, trySend, type TxContext } from './context.ts';
import { ExpiryQueue, type Expirable } from './expiry.ts';
import type { ClientTransaction, ClientTxHandlers, ClientTxState, SendTarget } from './types.ts';

export abstract class ClientTransactionBase implements ClientTransaction, Expirable {
  readonly kind = 'client' as const;
  readonly id: string;
  readonly method: string;
  readonly branch: string;
  readonly target: SendTarget;
  // After a final response nothing but the id is needed to match retransmissions (Timers D, K, M): the parsed
  // request is released and kept as the bytes last sent, rebuilt only if asked for.
  #request: SipRequest | undefined;
  #requestBytes: Buffer | undefined;
  protected current: ClientTxState;
  protected readonly ctx: TxContext;
  protected readonly h: ClientTxHandlers;
  protected readonly timers: TxTimers;
  /** reliable transports run no retransmission timers and zero wait timers (RFC 3261 §17.1.1.2, §17.1.2.2) */
  protected readonly reliable: boolean;

  constructor(
    ctx: TxContext,
    id: string,
    req: SipRequest,
    target: SendTarget,
    h: ClientTxHandlers,
    initial: ClientTxState,
  ) {
    this.ctx = ctx;
    this.id = ownString(id); // kept for the transaction's life: not built from slices of a message (own-string.ts)
    this.method = req.method;
    this.branch = ownString(req.topVia.branch!);
    this.#request = req;
    this.#requestBytes = undefined;
    this.target = target;
    this.h = h;
    this.current = initial;
    this.timers = new TxTimers(ctx.clock);
    this.reliable = ctx.sink.reliable(target.transport) || ctx.sink.inProcess?.(target) === true;
  }

  get state(): ClientTxState {
    return this.current;
  }

  /** The request (rebuilt from the bytes sent once the transaction released it). */
  get request(): SipRequest {
    let r = this.#request;
    if (r === undefined) {
      r = this.#request = parseMessage(this.#requestBytes as Buffer) as SipRequest;
      this.#requestBytes = undefined;
    }
    return r;
  }

  /** A final response arrived: keep the request's bytes instead of the parsed request. */
  protected release(): void {
    const req = this.#request;
    if (req === undefined) return;
    this.#requestBytes = this.#sentBytes ?? req.toBuffer();
    this.#sentBytes = undefined;
    this.#request = undefined;
  }

  abstract start(): void;
  abstract receiveResponse(res: SipResponse): void;
  abstract cancel(extraHeaders?: Array<[string, string]>): void;

  /** @internal the ExpiryQueue this transaction waits in for Timer D, K or M, if any */
  expiryQueue: ExpiryQueue | undefined = undefined;

  /** Terminate after `ms` (Timers D, K, M: nothing else happens at their end). */
  protected expireAfter(ms: number): void {
    this.ctx.expiry(ms).enter(this);
  }

  /** Stop everything and move to Terminated, once (RFC 3261 §17.1.1.2, §17.1.2.2). */
  terminate(): void {
    if (this.current === 'terminated') return;
    this.current = 'terminated';
    this.timers.stopAll();
    ExpiryQueue.leave(this);
    this.ctx.removed(this);
    this.h.onTerminated?.(this);
  }

  /** RFC 3261 §17.1.4: a transport failure terminates the transaction and is reported to the TU. */
  transportError(message: string): void {
    if (this.current === 'terminated') return;
    const h = this.h;
    this.terminate();
    h.onTransportError?.({ code: 'SIP_ERR_TRANSPORT', message }, this);
  }

  /** Timer B / F (RFC 3261 §17.1.1.2, §17.1.2.2): onTimeout, or a local 408 when the TU has none. */
  protected timeout(): void {
    const h = this.h;
    this.terminate();
    if (h.onTimeout) h.onTimeout(this);
    else h.onResponse?.(createResponse(this.request, 408, 'Request Timeout'), this);
  }

  /** false (and the transaction terminated) when the transport failed */
  /** bytes of the request as last sent, when the sink returned them */
  #sentBytes: Buffer | undefined = undefined;

  protected send(msg: SipRequest): boolean {
    const err = trySend(this.ctx.sink, msg, this.target);
    if (msg === this.#request) this.#sentBytes = lastSent.bytes;
    if (err === undefined) return true;
    this.transportError(err);
    return false;
  }
}
