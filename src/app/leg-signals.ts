// The signalling state both legs of a call share the shape of: the dialog, the SDP we last sent on it (for
// offer-less re-INVITEs and session refreshes), the 2xx we retransmit until its ACK, the peer's Allow, and BYE.
import { createResponse, type SipRequest, type SipResponse } from '../sip/message.ts';
import type { Dialog } from '../sip/dialog/dialog.ts';
import { Uas2xxRetransmitter } from '../sip/dialog/uas-2xx.ts';
import type { ServerTransaction } from '../sip/transaction/types.ts';
import type { SessionHost } from './session-host.ts';

export type Leg = 'a' | 'b';

export const otherLeg = (leg: Leg): Leg => (leg === 'a' ? 'b' : 'a');

interface LegState {
  dialog: Dialog | undefined;
  /** SDP we last sent on this leg. */
  lastSdp: string | undefined;
  /** SDP the leg's phone last sent us (offer or answer), to tell a changed answer in an ACK from a repeated one. */
  received: string | undefined;
  /** We answered an offer-less re-INVITE on this leg with an offer: its ACK carries the answer (RFC 3261 §14.2). */
  answerInAck: boolean;
  retrans: Uas2xxRetransmitter | undefined;
}

export class LegSignals {
  readonly #host: SessionHost;
  readonly #legs: Record<Leg, LegState> = {
    a: { dialog: undefined, lastSdp: undefined, received: undefined, answerInAck: false, retrans: undefined },
    b: { dialog: undefined, lastSdp: undefined, received: undefined, answerInAck: false, retrans: undefined },
  };

  constructor(host: SessionHost) {
    this.#host = host;
  }

  dialog(leg: Leg): Dialog | undefined {
    return this.#legs[leg].dialog;
  }

  setDialog(leg: Leg, d: Dialog): void {
    this.#legs[leg].dialog = d;
  }

  lastSdp(leg: Leg): string | undefined {
    return this.#legs[leg].lastSdp;
  }

  sentSdp(leg: Leg, sdp: string): void {
    this.#legs[leg].lastSdp = sdp;
  }

  lastReceived(leg: Leg): string | undefined {
    return this.#legs[leg].received;
  }

  receivedSdp(leg: Leg, sdp: string): void {
    this.#legs[leg].received = sdp;
  }

  /** Our 2xx to an offer-less re-INVITE on `leg` carried an offer: the leg's ACK brings the answer. */
  expectAnswerInAck(leg: Leg): void {
    this.#legs[leg].answerInAck = true;
  }

  /**
   * The ACK on `leg` arrived (its 2xx retransmissions stop). Returns the SDP answer it carries when it closes an
   * offer-less re-INVITE and differs from what the leg sent before (a repeated answer, as in a session refresh,
   * changes nothing: RFC 3264 §8 keeps an unchanged session description byte for byte).
   */
  ack(leg: Leg, body?: Buffer): string | undefined {
    const l = this.#legs[leg];
    l.retrans?.stop();
    l.retrans = undefined;
    if (!l.answerInAck) return undefined;
    l.answerInAck = false;
    if (!body || body.length === 0) return undefined;
    const sdp = body.toString('utf8');
    if (sdp === l.received) return undefined;
    l.received = sdp;
    return sdp;
  }

  /** RFC 3261 §13.3.1.4: retransmit our 2xx to an INVITE on `leg` until its ACK; `noAck` when none comes. */
  retransmit(leg: Leg, tx: ServerTransaction, res: SipResponse, noAck: () => void): void {
    this.#legs[leg].retrans?.stop();
    this.#legs[leg].retrans = new Uas2xxRetransmitter(this.#host.clock, this.#host.layer.timers, tx, res, noAck);
  }

  awaitingAck(leg: Leg): boolean {
    const r = this.#legs[leg].retrans;
    return r !== undefined && !r.stopped;
  }

  /** Final response to an in-dialog request on `leg` (a 2xx to INVITE is retransmitted until the ACK). */
  respond(leg: Leg, req: SipRequest, tx: ServerTransaction, status: number, reason: string, o: { sdp?: string; headers?: Array<[string, string]> } = {}): void {
    const headers: Array<[string, string]> = [['Contact', this.#host.contact], ...(o.headers ?? [])];
    if (o.sdp !== undefined) {
      headers.push(['Content-Type', 'application/sdp']);
      this.sentSdp(leg, o.sdp);
    }
    const res = createResponse(req, status, reason, { headers, ...(o.sdp !== undefined ? { body: o.sdp } : {}) });
    if (req.method === 'INVITE' && status >= 200 && status < 300) this.retransmit(leg, tx, res, () => undefined);
    else if (tx.state === 'proceeding' || tx.state === 'trying') tx.respond(res);
  }

  /** BYE on `leg` if its dialog is up (RFC 3261 §15.1.1); the dialog is terminated at once. */
  sendBye(leg: Leg): void {
    const d = this.#legs[leg].dialog;
    if (!d || d.state === 'terminated') return;
    const bye = d.createRequest('BYE');
    d.state = 'terminated';
    this.#host.layer.sendRequest(bye, this.#host.targetFor(d.nextHop()), {});
  }

  stopAll(): void {
    for (const l of Object.values(this.#legs)) l.retrans?.stop();
  }
}
