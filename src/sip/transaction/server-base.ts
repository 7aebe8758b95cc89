// What the INVITE (RFC 3261 §17.2.1) and non-INVITE (§17.2.2) server transactions share: identity, the
// response target (§18.2.2), the timer set, TU callbacks, sending with transport-error handling (§17.2.4)
// and the one-way move to Terminated. Each subclass keeps its own state machine.
import type { SipRequest, SipResponse } from '../message.ts';
import { TxTimers, trySend, type TxContext } from './context.ts';
import { responseTarget } from './response-target.ts';
import type { MessageSource, SendTarget, ServerTransaction, ServerTxState } from './types.ts';

export type FailureReason = 'timeout' | 'transport';

export abstract class ServerTransactionBase implements ServerTransaction {
  readonly kind = 'server' as const;
  readonly id: string;
  readonly method: string;
  readonly branch: string;
  readonly request: SipRequest;
  readonly source: MessageSource;
  protected current: ServerTxState;
  /** the most recent response handed to the transport */
  protected last: SipResponse | undefined;
  protected readonly ctx: TxContext;
  protected readonly timers: TxTimers;
  /** reliable transports run no retransmission timers and zero wait timers (RFC 3261 §17.2.1, §17.2.2) */
  protected readonly reliable: boolean;
  readonly #target: SendTarget;
  readonly #failureCbs: Array<(r: FailureReason) => void> = [];
  readonly #terminatedCbs: Array<() => void> = [];

  constructor(ctx: TxContext, id: string, req: SipRequest, source: MessageSource, initial: ServerTxState) {
    this.ctx = ctx;
    this.id = id;
    this.method = req.method;
    this.branch = req.topVia.branch ?? '';
    this.request = req;
    this.source = source;
    this.current = initial;
    this.timers = new TxTimers(ctx.clock);
    this.reliable = ctx.sink.reliable(source.transport);
    this.#target = responseTarget(req.topVia, source, this.reliable);
  }

  get state(): ServerTxState {
    return this.current;
  }
  get lastResponse(): SipResponse | undefined {
    return this.last;
  }
  abstract readonly cancelled: boolean;

  abstract receiveRequest(req: SipRequest, source: MessageSource): void;
  abstract respond(res: SipResponse): void;
  abstract onCancel(cb: (cancel: SipRequest) => void): void;

  onFailure(cb: (reason: FailureReason) => void): void {
    this.#failureCbs.push(cb);
  }
  onTerminated(cb: () => void): void {
    this.#terminatedCbs.push(cb);
  }

  /** RFC 3261 §17.2.4: a transport failure terminates the transaction and is reported to the TU. */
  transportError(): void {
    if (this.current === 'terminated') return;
    this.fail('transport');
  }

  /** Stop everything and move to Terminated, once. */
  terminate(): void {
    if (this.current === 'terminated') return;
    this.current = 'terminated';
    this.timers.stopAll();
    this.ctx.removed(this);
    for (const cb of this.#terminatedCbs) cb();
  }

  protected fail(reason: FailureReason): void {
    this.terminate();
    for (const cb of this.#failureCbs) cb(reason);
  }

  /** false (and the transaction terminated) when the transport failed */
  protected send(res: SipResponse): boolean {
    const err = trySend(this.ctx.sink, res, this.#target);
    if (err === undefined) return true;
    this.transportError();
    return false;
  }
}
