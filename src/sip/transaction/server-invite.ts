// INVITE server transaction: RFC 3261 §17.2.1 with the RFC 6026 §7.1 "Accepted" state.
//
//   Proceeding --2xx from TU--> Accepted --Timer L--> Terminated
//       |
//       +--300-699 from TU--> Completed --ACK--> Confirmed --Timer I--> Terminated
//                                 +--Timer H--> Terminated (failure to TU)
import { randomHex } from '../random.ts';
import { createResponse, type SipRequest, type SipResponse } from '../message.ts';
import type { TxContext } from './context.ts';
import { ServerTransactionBase } from './server-base.ts';
import { sixtyFourT1 } from './timers.ts';
import type { MessageSource } from './types.ts';

export class ServerInviteTransaction extends ServerTransactionBase {
  override readonly method = 'INVITE';
  #lastProvisional: SipResponse | undefined;
  #cancelled = false;
  /** dropped with the final response, after which a CANCEL changes nothing (§9.2): the TU's closures can go */
  #cancelCbs: Array<(c: SipRequest) => void> | undefined = undefined;

  constructor(ctx: TxContext, id: string, req: SipRequest, source: MessageSource) {
    super(ctx, id, req, source, 'proceeding');
  }

  get cancelled(): boolean {
    return this.#cancelled;
  }

  /** RFC 3261 §17.2.1: 100 Trying unless the TU answers within 200 ms (the layer calls this after the TU). */
  start(): void {
    if (this.current !== 'proceeding' || this.last !== undefined) return;
    this.timers.start('trying', this.ctx.timers.trying100, () => {
      if (this.current === 'proceeding' && !this.last) this.respond(createResponse(this.request, 100, 'Trying'));
    });
  }

  onCancel(cb: (cancel: SipRequest) => void): void {
    if (this.current === 'proceeding') (this.#cancelCbs ??= []).push(cb);
  }
  override forgetCallbacks(): void {
    super.forgetCallbacks();
    this.#cancelCbs = undefined;
  }
  get hasCancelHandler(): boolean {
    return this.#cancelCbs !== undefined;
  }

  /** Called by the layer for a matching INVITE retransmission or ACK. */
  receiveRequest(req: SipRequest, source: MessageSource): void {
    if (req.method === 'ACK') return this.#receiveAck(req, source);
    switch (this.current) {
      case 'proceeding':
        // RFC 3261 §17.2.1: retransmitted INVITE → resend the most recent provisional response.
        if (this.#lastProvisional) this.send(this.#lastProvisional);
        else {
          this.timers.stop('trying');
          this.respond(createResponse(this.request, 100, 'Trying'));
        }
        return;
      case 'completed':
        // RFC 3261 §17.2.1: retransmitted INVITE in Completed → resend the final response.
        if (this.last) this.send(this.last);
        return;
      default:
        // Confirmed absorbs; RFC 6026 §7.1: Accepted absorbs INVITE retransmissions (the TU resends 2xx).
        return;
    }
  }

  respond(res: SipResponse): void {
    switch (this.current) {
      case 'proceeding':
        return this.#stateProceedingRespond(res);
      case 'accepted':
        // RFC 6026 §8.7: 2xx retransmissions from the TU are passed to the transport in Accepted.
        if (res.status >= 200 && res.status < 300) {
          this.last = res;
          this.sendFinal(res);
          return;
        }
        throw new Error(`INVITE server transaction in accepted cannot send ${res.status}`);
      default:
        throw new Error(`INVITE server transaction in ${this.current} cannot send ${res.status}`);
    }
  }

  /** §9.2: the layer tells us a CANCEL matched. */
  cancel(cancelReq: SipRequest): void {
    if (this.current !== 'proceeding') return; // final response already sent: CANCEL has no effect
    this.#cancelled = true;
    const cbs = this.#cancelCbs;
    if (cbs === undefined) {
      // No TU interest: answer the INVITE 487 ourselves (RFC 3261 §9.2).
      // The To tag must match the one of earlier provisional responses, if any (RFC 3261 §8.2.6.2).
      const tag = this.#lastProvisional?.to.params.get('tag') ?? randomHex(6);
      this.respond(createResponse(this.request, 487, 'Request Terminated', { toTag: tag }));
      return;
    }
    for (const cb of cbs) cb(cancelReq);
  }

  // --- states -------------------------------------------------------------------------------------------

  #stateProceedingRespond(res: SipResponse): void {
    this.timers.stop('trying');
    this.last = res;
    if (res.status < 200) {
      this.#lastProvisional = res;
      this.send(res);
      return;
    }
    const t = this.ctx.timers;
    if (res.status < 300) {
      // RFC 6026 §7.1: 2xx → Accepted; Timer L = 64*T1 absorbs INVITE retransmissions and lets late ACKs reach
      // the TU. The TU (UAS core) retransmits the 2xx itself (RFC 3261 §13.3.1.4).
      this.current = 'accepted';
      this.expireAfter(sixtyFourT1(t)); // Timer L
      this.#lastProvisional = undefined;
      this.#cancelCbs = undefined;
      this.sendFinal(res);
      return;
    }
    // 300-699 → Completed: G retransmits (unreliable only), H waits for the ACK.
    this.current = 'completed';
    if (!this.reliable) this.#scheduleG(t.T1);
    this.timers.start('H', sixtyFourT1(t), () => this.#timerH());
    this.#lastProvisional = undefined;
    this.#cancelCbs = undefined;
    this.sendFinal(res);
  }

  #receiveAck(ack: SipRequest, source: MessageSource): void {
    if (this.current === 'completed') {
      // RFC 3261 §17.2.1: ACK → Confirmed; Timer I = T4 (unreliable) or 0 absorbs ACK retransmissions.
      this.current = 'confirmed';
      this.timers.stop('G');
      this.timers.stop('H');
      this.expireAfter(this.reliable ? 0 : this.ctx.timers.T4); // Timer I
      return;
    }
    // RFC 6026 §8.7: ACKs reaching the transaction in Accepted are passed to the TU.
    if (this.current === 'accepted') this.ctx.deliverAck(ack, source);
    // Confirmed: absorbed.
  }

  // --- timers ---------------------------------------------------------------------------------------------

  /** RFC 3261 §17.2.1: Timer G = T1, doubling up to T2, retransmits the final response while Completed. */
  #scheduleG(ms: number): void {
    this.timers.start('G', ms, () => {
      if (this.current !== 'completed' || !this.last) return;
      if (!this.send(this.last)) return;
      this.#scheduleG(Math.min(2 * ms, this.ctx.timers.T2));
    });
  }

  #timerH(): void {
    if (this.current !== 'completed') return;
    this.fail('timeout');
  }
}
