// Non-INVITE server transaction: RFC 3261 §17.2.2.
//
//   Trying --1xx from TU--> Proceeding --200-699 from TU--> Completed --Timer J--> Terminated
import type { SipRequest, SipResponse } from '../message.ts';
import { TxTimers, trySend, type TxContext } from './context.ts';
import { responseTarget } from './response-target.ts';
import { sixtyFourT1 } from './timers.ts';
import type { MessageSource, SendTarget, ServerTransaction, ServerTxState } from './types.ts';

export class ServerNonInviteTransaction implements ServerTransaction {
  readonly kind = 'server' as const;
  readonly id: string;
  readonly method: string;
  readonly branch: string;
  readonly request: SipRequest;
  readonly source: MessageSource;
  readonly cancelled = false;
  #state: ServerTxState = 'trying';
  #last: SipResponse | undefined;
  readonly #ctx: TxContext;
  readonly #timers: TxTimers;
  readonly #reliable: boolean;
  readonly #target: SendTarget;
  readonly #failureCbs: Array<(r: 'timeout' | 'transport') => void> = [];
  readonly #terminatedCbs: Array<() => void> = [];

  constructor(ctx: TxContext, id: string, req: SipRequest, source: MessageSource) {
    this.#ctx = ctx;
    this.id = id;
    this.method = req.method;
    this.branch = req.topVia.branch ?? '';
    this.request = req;
    this.source = source;
    this.#timers = new TxTimers(ctx.clock);
    this.#reliable = ctx.sink.reliable(source.transport);
    this.#target = responseTarget(req.topVia, source, this.#reliable);
  }

  get state(): ServerTxState {
    return this.#state;
  }
  get lastResponse(): SipResponse | undefined {
    return this.#last;
  }

  onCancel(): void {
    // Non-INVITE requests are not cancelled (RFC 3261 §9.2 answers the CANCEL 200 and changes nothing).
  }
  onFailure(cb: (reason: 'timeout' | 'transport') => void): void {
    this.#failureCbs.push(cb);
  }
  onTerminated(cb: () => void): void {
    this.#terminatedCbs.push(cb);
  }

  /** Retransmission of the request (matched by the layer). */
  receiveRequest(_req: SipRequest, _source: MessageSource): void {
    // RFC 3261 §17.2.2: Trying discards retransmissions; Proceeding and Completed resend the last response.
    if ((this.#state === 'proceeding' || this.#state === 'completed') && this.#last) this.#send(this.#last);
  }

  respond(res: SipResponse): void {
    if (this.#state !== 'trying' && this.#state !== 'proceeding')
      throw new Error(`non-INVITE server transaction in ${this.#state} cannot send ${res.status}`);
    this.#last = res;
    if (res.status < 200) {
      this.#state = 'proceeding';
      this.#send(res);
      return;
    }
    // Final → Completed; Timer J = 64*T1 (unreliable) absorbs request retransmissions, 0 for reliable.
    this.#state = 'completed';
    this.#timers.start('J', this.#reliable ? 0 : sixtyFourT1(this.#ctx.timers), () => this.#terminate());
    this.#send(res);
  }

  #send(res: SipResponse): boolean {
    const err = trySend(this.#ctx.sink, res, this.#target);
    if (err === undefined) return true;
    this.transportError();
    return false;
  }

  transportError(): void {
    if (this.#state === 'terminated') return;
    this.#terminate();
    for (const cb of this.#failureCbs) cb('transport');
  }

  terminate(): void {
    this.#terminate();
  }

  #terminate(): void {
    if (this.#state === 'terminated') return;
    this.#state = 'terminated';
    this.#timers.stopAll();
    this.#ctx.removed(this);
    for (const cb of this.#terminatedCbs) cb();
  }
}
