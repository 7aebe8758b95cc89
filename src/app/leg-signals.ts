// The signalling state both legs of a call share the shape of: the dialog, the SDP we last sent on it (for
// offer-less re-INVITEs and session refreshes), the 2xx we retransmit until its ACK, the peer's Allow, and BYE.
import { createResponse, type SipRequest, type SipResponse } from '../sip/message.ts';
import type { Dialog } from '../sip/dialog/dialog.ts';
import { Uas2xxRetransmitter } from '../sip/dialog/uas-2xx.ts';
import { sameSession } from '../sip/sdp.ts';
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
  /** CSeq of an offer-less re-INVITE on this leg we answered with an offer: its ACK carries the answer (§14.2). */
  answerInAck: number | undefined;
  retrans: Uas2xxRetransmitter | undefined;
}


export class LegSignals {
  readonly #host: SessionHost;
  readonly #legs: Record<Leg, LegState> = {
    a: { dialog: undefined, lastSdp: undefined, received: undefined, answerInAck: undefined, retrans: undefined },
    b: { dialog: undefined, lastSdp: undefined, received: undefined, answerInAck: undefined, retrans: undefined },
  };
  readonly #exchangeOver: (leg: Leg) => void;

  /** `exchangeOver`: an offer-less re-INVITE's exchange ended on `leg` (its ACK came, or never will). */
  constructor(host: SessionHost, exchangeOver: (leg: Leg) => void = () => undefined) {
    this.#host = host;
    this.#exchangeOver = exchangeOver;
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

  receivedSdp(leg: Leg, sdp: string): void {
    this.#legs[leg].received = sdp;
  }

  /** Our 2xx to the offer-less re-INVITE `seq` on `leg` carried an offer: the leg's ACK brings the answer. */
  expectAnswerInAck(leg: Leg, seq: number): void {
    this.#legs[leg].answerInAck = seq;
  }

  /**
   * The ACK on `leg` arrived: the 2xx it acknowledges stops being retransmitted. When it closes an offer-less
   * re-INVITE (the exchange is over: `exchangeOver`), the answer it carries is returned if it changes the phone's
   * session (RFC 3264 §8: a new o= version; a repeated one, as in a session refresh, changes nothing). An ACK of an
   * older INVITE than the 2xx being retransmitted changes nothing at all.
   */
  ack(leg: Leg, ack?: SipRequest): string | undefined {
    const l = this.#legs[leg];
    const seq = ack?.cseq.seq;
    if (seq !== undefined && l.retrans !== undefined && seq !== l.retrans.seq) return undefined;
    l.retrans?.stop();
    l.retrans = undefined;
    if (l.answerInAck === undefined || (seq !== undefined && seq !== l.answerInAck)) return undefined;
    l.answerInAck = undefined;
    this.#exchangeOver(leg);
    const body = ack?.body;
    if (!body || body.length === 0) return undefined;
    const sdp = body.toString('utf8');
    return sameSession(l.received, sdp) ? undefined : sdp;
  }

  /** RFC 3261 §13.3.1.4: retransmit our 2xx to an INVITE on `leg` until its ACK; `noAck` when none comes. */
  retransmit(leg: Leg, tx: ServerTransaction, res: SipResponse, noAck: () => void): void {
    const l = this.#legs[leg];
    l.retrans?.stop();
    l.retrans = new Uas2xxRetransmitter(this.#host.clock, this.#host.layer.timers, tx, res, () => {
      if (l.answerInAck === res.cseq.seq) {
        // no ACK, so no answer: the exchange is over all the same (the old session stands)
        l.answerInAck = undefined;
        this.#exchangeOver(leg);
      }
      noAck();
    });
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
