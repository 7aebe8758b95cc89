// Non-INVITE client transaction: RFC 3261 §17.1.2.
//
//   Trying --1xx--> Proceeding --200-699--> Completed --Timer K--> Terminated
//   Trying/Proceeding --Timer F--> Terminated (timeout to TU)
import { createResponse, type SipRequest, type SipResponse } from '../message.ts';
import { TxTimers, trySend, type TxContext } from './context.ts';
import { sixtyFourT1 } from './timers.ts';
import type { ClientTransaction, ClientTxHandlers, ClientTxState, SendTarget } from './types.ts';

export class ClientNonInviteTransaction implements ClientTransaction {
  readonly kind = 'client' as const;
  readonly id: string;
  readonly method: string;
  readonly branch: string;
  readonly request: SipRequest;
  readonly target: SendTarget;
  #state: ClientTxState = 'trying';
  readonly #ctx: TxContext;
  readonly #h: ClientTxHandlers;
  readonly #timers: TxTimers;
  readonly #reliable: boolean;

  constructor(ctx: TxContext, id: string, req: SipRequest, target: SendTarget, h: ClientTxHandlers) {
    this.#ctx = ctx;
    this.id = id;
    this.method = req.method;
    this.branch = req.topVia.branch!;
    this.request = req;
    this.target = target;
    this.#h = h;
    this.#timers = new TxTimers(ctx.clock);
    this.#reliable = ctx.sink.reliable(target.transport);
  }

  get state(): ClientTxState {
    return this.#state;
  }

  /** RFC 3261 §17.1.2.2: send, start E (unreliable only) and F. */
  start(): void {
    // Timers first: a synchronous transport may deliver the answer before send() returns.
    const t = this.#ctx.timers;
    if (!this.#reliable) this.#scheduleE(t.T1);
    this.#timers.start('F', sixtyFourT1(t), () => this.#timerF());
    this.#send();
  }

  receiveResponse(res: SipResponse): void {
    switch (this.#state) {
      case 'trying':
      case 'proceeding':
        return this.#stateTryingOrProceeding(res);
      default:
        // Completed: RFC 3261 §17.1.2.2 absorbs response retransmissions.
        return;
    }
  }

  cancel(): void {
    // RFC 3261 §9.1: CANCEL is for INVITE only (canceling a non-INVITE is not recommended, and pointless).
  }

  terminate(): void {
    this.#terminate();
  }

  // --- states -------------------------------------------------------------------------------------------

  #stateTryingOrProceeding(res: SipResponse): void {
    if (res.status < 200) {
      this.#state = 'proceeding';
      this.#h.onResponse?.(res, this);
      return;
    }
    this.#state = 'completed';
    this.#timers.stop('E');
    this.#timers.stop('F');
    this.#h.onResponse?.(res, this);
    if (this.#state !== 'completed') return;
    // Timer K: T4 for unreliable transports (absorb retransmissions), 0 for reliable ones.
    this.#timers.start('K', this.#reliable ? 0 : this.#ctx.timers.T4, () => this.#terminate());
  }

  // --- timers ---------------------------------------------------------------------------------------------

  /**
   * RFC 3261 §17.1.2.2: in Trying, E doubles up to T2 (T1, 2T1, … T2); in Proceeding it fires every T2.
   */
  #scheduleE(ms: number): void {
    this.#timers.start('E', ms, () => {
      if (this.#state !== 'trying' && this.#state !== 'proceeding') return;
      if (!this.#send()) return;
      const t = this.#ctx.timers;
      this.#scheduleE(this.#state === 'proceeding' ? t.T2 : Math.min(2 * ms, t.T2));
    });
  }

  #timerF(): void {
    if (this.#state !== 'trying' && this.#state !== 'proceeding') return;
    const h = this.#h;
    this.#terminate();
    if (h.onTimeout) h.onTimeout(this);
    else h.onResponse?.(createResponse(this.request, 408, 'Request Timeout'), this);
  }

  // --- helpers ------------------------------------------------------------------------------------------

  #send(): boolean {
    const err = trySend(this.#ctx.sink, this.request, this.target);
    if (err === undefined) return true;
    this.transportError(err);
    return false;
  }

  transportError(message: string): void {
    if (this.#state === 'terminated') return;
    const h = this.#h;
    this.#terminate();
    h.onTransportError?.({ code: 'SIP_ERR_TRANSPORT', message }, this);
  }

  #terminate(): void {
    if (this.#state === 'terminated') return;
    this.#state = 'terminated';
    this.#timers.stopAll();
    this.#ctx.removed(this);
    this.#h.onTerminated?.(this);
  }
}
