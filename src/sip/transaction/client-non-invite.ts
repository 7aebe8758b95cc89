// Non-INVITE client transaction: RFC 3261 §17.1.2.
//
//   Trying --1xx--> Proceeding --200-699--> Completed --Timer K--> Terminated
//   Trying/Proceeding --Timer F--> Terminated (timeout to TU)
import type { SipRequest, SipResponse } from '../message.ts';
import { ClientTransactionBase } from './client-base.ts';
import type { TxContext } from './context.ts';
import { sixtyFourT1 } from './timers.ts';
import type { ClientTxHandlers, SendTarget } from './types.ts';

export class ClientNonInviteTransaction extends ClientTransactionBase {
  constructor(ctx: TxContext, id: string, req: SipRequest, target: SendTarget, h: ClientTxHandlers) {
    super(ctx, id, req, target, h, 'trying');
  }

  /** RFC 3261 §17.1.2.2: send, start E (unreliable only) and F. */
  start(): void {
    // Timers first: a synchronous transport may deliver the answer before send() returns.
    const t = this.ctx.timers;
    if (!this.reliable) this.#scheduleE(t.T1);
    this.timers.start('F', sixtyFourT1(t), () => this.#timerF());
    this.send(this.request);
  }

  receiveResponse(res: SipResponse): void {
    switch (this.current) {
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

  // --- states -------------------------------------------------------------------------------------------

  #stateTryingOrProceeding(res: SipResponse): void {
    if (res.status < 200) {
      this.current = 'proceeding';
      this.h.onResponse?.(res, this);
      return;
    }
    this.current = 'completed';
    this.timers.stop('E');
    this.timers.stop('F');
    this.h.onResponse?.(res, this);
    if (this.current !== 'completed') return;
    this.release();
    // Timer K: T4 for unreliable transports (absorb retransmissions), 0 for reliable ones.
    this.expireAfter(this.reliable ? 0 : this.ctx.timers.T4);
  }

  // --- timers ---------------------------------------------------------------------------------------------

  /**
   * RFC 3261 §17.1.2.2: in Trying, E doubles up to T2 (T1, 2T1, … T2); in Proceeding it fires every T2.
   */
  #scheduleE(ms: number): void {
    this.timers.start('E', ms, () => {
      if (this.current !== 'trying' && this.current !== 'proceeding') return;
      if (!this.send(this.request)) return;
      const t = this.ctx.timers;
      this.#scheduleE(this.current === 'proceeding' ? t.T2 : Math.min(2 * ms, t.T2));
    });
  }

  #timerF(): void {
    if (this.current !== 'trying' && this.current !== 'proceeding') return;
    this.timeout();
  }
}
