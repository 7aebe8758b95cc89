// INVITE client transaction: RFC 3261 §17.1.1 with the RFC 6026 §7.2 "Accepted" state.
//
//   Calling --1xx--> Proceeding --2xx--> Accepted --Timer M--> Terminated
//      |                 |
//      +---300-699 (send ACK)---> Completed --Timer D--> Terminated
//   Calling --Timer B--> Terminated (timeout to TU)
import type { SipRequest, SipResponse } from '../message.ts';
import { buildAckForNon2xx } from './ack.ts';
import { buildCancel } from './cancel.ts';
import { ClientTransactionBase } from './client-base.ts';
import type { TxContext } from './context.ts';
import { sixtyFourT1 } from './timers.ts';
import type { ClientTxHandlers, SendTarget } from './types.ts';

export class ClientInviteTransaction extends ClientTransactionBase {
  override readonly method = 'INVITE';
  #ack: SipRequest | undefined;
  #cancelPending: Array<[string, string]> | undefined;
  #cancelSent = false;

  constructor(ctx: TxContext, id: string, req: SipRequest, target: SendTarget, h: ClientTxHandlers) {
    super(ctx, id, req, target, h, 'calling');
  }

  /** RFC 3261 §17.1.1.2: send the INVITE, start A (unreliable only) and B. */
  start(): void {
    // Timers first: a synchronous transport may deliver the answer before send() returns.
    const t = this.ctx.timers;
    if (!this.reliable) this.#scheduleA(t.T1);
    this.timers.start('B', sixtyFourT1(t), () => this.#timerB());
    this.send(this.request);
  }

  receiveResponse(res: SipResponse): void {
    switch (this.current) {
      case 'calling':
        return this.#stateCalling(res);
      case 'proceeding':
        return this.#stateProceeding(res);
      case 'completed':
        return this.#stateCompleted(res);
      case 'accepted':
        return this.#stateAccepted(res);
      default:
        return;
    }
  }

  cancel(extraHeaders: Array<[string, string]> = []): void {
    if (this.#cancelSent) return;
    // RFC 3261 §9.1: no CANCEL before a provisional response; wait for one.
    if (this.current === 'calling') {
      this.#cancelPending = extraHeaders;
      return;
    }
    if (this.current === 'proceeding') this.#sendCancel(extraHeaders);
  }

  // --- states -------------------------------------------------------------------------------------------

  #stateCalling(res: SipResponse): void {
    this.timers.stop('A');
    this.timers.stop('B');
    if (res.status < 200) {
      this.current = 'proceeding';
      this.h.onResponse?.(res, this);
      if (this.#cancelPending) this.#sendCancel(this.#cancelPending);
      return;
    }
    this.#stateProceeding(res);
  }

  #stateProceeding(res: SipResponse): void {
    if (res.status < 200) {
      this.h.onResponse?.(res, this);
      return;
    }
    this.timers.stop('cancel');
    if (res.status < 300) {
      // RFC 6026 §7.2: 2xx → Accepted; the TU sends the ACK (a new transaction) and sees every 2xx.
      this.current = 'accepted';
      this.expireAfter(sixtyFourT1(this.ctx.timers)); // Timer M
      this.h.onResponse?.(res, this);
      this.release();
      return;
    }
    // RFC 3261 §17.1.1.2: 300-699 → send ACK, to TU, Completed; Timer D (32 s unreliable, 0 reliable).
    this.current = 'completed';
    this.#ack = buildAckForNon2xx(this.request, res);
    this.send(this.#ack);
    this.h.onResponse?.(res, this);
    if (this.current !== 'completed') return;
    this.release();
    this.expireAfter(this.reliable ? 0 : this.ctx.timers.D); // Timer D
  }

  #stateCompleted(res: SipResponse): void {
    // RFC 3261 §17.1.1.2: final response retransmissions are absorbed; the ACK is sent again.
    if (res.status >= 300 && this.#ack) this.send(this.#ack);
  }

  #stateAccepted(res: SipResponse): void {
    // RFC 6026 §7.2: 2xx retransmissions and 2xx from other forks go to the TU; others are absorbed.
    if (res.status >= 200 && res.status < 300) this.h.onResponse?.(res, this);
  }

  // --- timers ---------------------------------------------------------------------------------------------

  /** RFC 3261 §17.1.1.2: Timer A doubles each time (T1, 2T1, 4T1, …), uncapped, while in Calling. */
  #scheduleA(ms: number): void {
    this.timers.start('A', ms, () => {
      if (this.current !== 'calling') return;
      if (!this.send(this.request)) return;
      this.#scheduleA(ms * 2);
    });
  }

  #timerB(): void {
    if (this.current !== 'calling') return;
    this.timeout();
  }

  // --- helpers ------------------------------------------------------------------------------------------

  #sendCancel(extra: Array<[string, string]>): void {
    this.#cancelSent = true;
    this.#cancelPending = undefined;
    const cancel = buildCancel(this.request, extra);
    this.ctx.sendRequest(cancel, this.target, {});
    // RFC 3261 §9.1: without a final response 64*T1 after the CANCEL, consider the INVITE cancelled.
    this.timers.start('cancel', sixtyFourT1(this.ctx.timers), () => {
      if (this.current === 'proceeding') this.timeout();
    });
  }
}
