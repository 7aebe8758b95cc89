// Non-INVITE server transaction: RFC 3261 §17.2.2.
//
//   Trying --1xx from TU--> Proceeding --200-699 from TU--> Completed --Timer J--> Terminated
import type { SipRequest, SipResponse } from '../message.ts';
import type { TxContext } from './context.ts';
import { ServerTransactionBase } from './server-base.ts';
import { sixtyFourT1 } from './timers.ts';
import type { MessageSource } from './types.ts';

export class ServerNonInviteTransaction extends ServerTransactionBase {
  readonly cancelled = false;

  constructor(ctx: TxContext, id: string, req: SipRequest, source: MessageSource) {
    super(ctx, id, req, source, 'trying');
  }

  onCancel(): void {
    // Non-INVITE requests are not cancelled (RFC 3261 §9.2 answers the CANCEL 200 and changes nothing).
  }

  /** Retransmission of the request (matched by the layer). */
  receiveRequest(_req: SipRequest, _source: MessageSource): void {
    // RFC 3261 §17.2.2: Trying discards retransmissions; Proceeding and Completed resend the last response.
    if ((this.current === 'proceeding' || this.current === 'completed') && this.last) this.send(this.last);
  }

  respond(res: SipResponse): void {
    if (this.current !== 'trying' && this.current !== 'proceeding')
      throw new Error(`non-INVITE server transaction in ${this.current} cannot send ${res.status}`);
    this.last = res;
    if (res.status < 200) {
      this.current = 'proceeding';
      this.send(res);
      return;
    }
    // Final → Completed; Timer J = 64*T1 (unreliable) absorbs request retransmissions, 0 for reliable.
    this.current = 'completed';
    this.expireAfter(this.reliable ? 0 : sixtyFourT1(this.ctx.timers));
    this.sendFinal(res);
  }
}
