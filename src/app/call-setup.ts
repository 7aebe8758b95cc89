// The setup phase of a call, from the caller's INVITE to the answer or the failure: the engine's offer on the A-leg
// SDP, the B-leg INVITE to the edge, 18x relayed to the caller (early media through the engine), the callee's 2xx
// answered through the engine, failures mapped for the caller, the no-answer limit and the caller's CANCEL.
import type { SipRequest, SipResponse } from '../sip/message.ts';
import type { Dialog } from '../sip/dialog/dialog.ts';
import { UacInvite } from '../sip/dialog/uac-invite.ts';
import type { TimerHandle } from '../sip/clock.ts';
import type { LegOptions } from '../media/engine.ts';
import { mediaRejection, reject, type Rejection } from './errors.ts';
import type { InternalRoute } from './routing.ts';
import type { SessionHost } from './session-host.ts';
import { buildBLegInvite } from './b-leg.ts';
import { retryMinSe } from './session-timer.ts';
import type { ALeg } from './a-leg.ts';
import type { Leg, LegSignals } from './leg-signals.ts';
import type { SessionRecords } from './calls/session-records.ts';
import { randomHex } from '../sip/random.ts';

/** What the setup needs from its session. */
export interface SetupContext {
  host: SessionHost;
  a: ALeg;
  legs: LegSignals;
  route: InternalRoute;
  records: SessionRecords;
  mediaCallId: string;
  bCallId: string;
  /** The dialog store of the host knows `d` as this call's `leg`. */
  registerDialog(d: Dialog, leg: Leg): void;
  trackBCall(): void;
  /** Extra headers of the B-leg INVITE (session timers; `peerMinSeS` from the callee's 422). */
  bLegHeaders(peerMinSeS?: number): Array<[string, string]>;
  legOptions(from: Leg): LegOptions;
  enqueue(fn: () => void | Promise<void>): void;
  isEnded(): boolean;
  respondA(status: number, reason: string, sdp?: string): void;
  failA(r: Rejection | { status: number; reason: string }): void;
  /** First 18x: the call rings. */
  ringing(): void;
  /** The callee answered; `sdp` is the engine's answer for the caller. */
  answered(res: SipResponse, sdp: string): void;
  end(reason: string, by: Leg | 'app'): void;
}

export class CallSetup {
  readonly #c: SetupContext;
  readonly #bFromTag = randomHex(6);
  #uac: UacInvite | undefined;
  #cancelled = false;
  #answered = false;
  #ringTimer: TimerHandle | undefined;
  #cancelTimer: TimerHandle | undefined;
  #earlyTag: string | undefined;
  #earlySdp: string | undefined;
  /** what the B-leg INVITE was built from, for the one retry after a 422 */
  #bInvite: Parameters<typeof buildBLegInvite>[0] | undefined;
  #retried422 = false;

  constructor(c: SetupContext) {
    this.#c = c;
  }

  get cancelled(): boolean {
    return this.#cancelled;
  }

  /** The call ended: stops every setup timer and lets the B-leg INVITE transaction forget this call. */
  stop(): void {
    this.#stopRing();
    this.#c.host.clock.clearTimeout(this.#cancelTimer);
    this.#uac?.release();
  }

  /** Ends an unanswered B leg (CANCEL; the edge cancels every fork). */
  cancelB(): void {
    this.#uac?.cancel();
  }

  /** A 2xx retransmission after the INVITE transaction ended: ACK it again (RFC 3261 §13.2.2.4). */
  stray2xx(res: SipResponse): void {
    this.#uac?.handleStray2xx(res);
  }

  #gone(): boolean {
    return this.#c.isEnded() || this.#answered || this.#cancelled;
  }

  async sendBLeg(): Promise<void> {
    const c = this.#c;
    if (c.isEnded()) return;
    const mf = c.a.invite.maxForwards ?? 70;
    if (mf <= 0) return c.failA({ status: 483, reason: 'Too Many Hops' });
    const callerSdp = c.a.invite.body.toString('utf8');
    const offer = await c.host.media.offer({
      callId: c.mediaCallId,
      fromTag: c.a.remoteTag,
      sdp: callerSdp,
      legOptions: c.legOptions('a'),
    });
    if (c.isEnded() || this.#cancelled) {
      if (this.#cancelled) this.#finishCancelled();
      return;
    }
    if (!offer.ok) return c.failA(mediaRejection(offer.code));
    this.#bInvite = {
      route: c.route,
      callId: c.bCallId,
      fromTag: this.#bFromTag,
      contact: c.host.contact,
      maxForwards: mf,
      sdp: offer.sdp,
      headers: c.bLegHeaders(),
    };
    c.legs.sentSdp('b', offer.sdp);
    if (callerSdp.length > 0) c.legs.receivedSdp('a', callerSdp);
    c.records.openCallee();
    this.#sendInvite(buildBLegInvite(this.#bInvite));
    c.trackBCall();
    const ring = c.host.ringTimeoutMs;
    if (ring > 0) this.#ringTimer = c.host.clock.setTimeout(() => c.enqueue(() => this.#noAnswer()), ring);
  }

  #sendInvite(req: SipRequest): void {
    const c = this.#c;
    this.#uac = new UacInvite({
      layer: c.host.layer,
      store: c.host.dialogs,
      invite: req,
      target: c.host.edgeTarget(),
      localContact: c.host.contact,
      // bound, not a closure: a closure here would share this method's context (the whole call), which the
      // transaction keeps for Timer M after the call ended
      targetFor: c.host.targetFor.bind(c.host),
      handlers: {
        onProvisional: (res, early) => c.enqueue(() => this.#provisional(res, early)),
        onEstablished: (d, res) => c.enqueue(() => this.#established(d, res)),
        onFailure: (res) => c.enqueue(() => this.#failed(res)),
      },
    });
  }

  /**
   * RFC 4028 §7.4 / §6: the callee wants a longer session interval than we asked for (422 with its Min-SE). Once per
   * call, the INVITE goes again with that interval, the same Call-ID and From tag and the next CSeq (RFC 3261
   * §8.1.3.5). False when there is nothing sensible to retry with.
   */
  #retryAfter422(res: SipResponse): boolean {
    const prev = this.#bInvite;
    const minSe = retryMinSe(res.headers);
    if (this.#retried422 || !prev || !this.#uac || minSe === undefined) return false;
    this.#retried422 = true;
    // early media of the first attempt belonged to a dialog that ended with it (its early dialog is terminated, so
    // an UPDATE towards it is refused until the retry makes a new one)
    this.#earlyTag = undefined;
    this.#earlySdp = undefined;
    const first = this.#uac;
    this.#sendInvite(buildBLegInvite({ ...prev, headers: this.#c.bLegHeaders(minSe), cseq: first.invite.cseq.seq + 1 }));
    first.release(); // its transaction waits out Timer D: it must not keep this call alive meanwhile
    return true;
  }

  async #provisional(res: SipResponse, early: Dialog | undefined): Promise<void> {
    const c = this.#c;
    if (this.#gone() || res.status === 100) return;
    const ringing = res.status === 180 || res.status === 183;
    let sdp: string | undefined;
    const tag = res.to.params.get('tag') ?? undefined;
    if (res.body.length > 0 && tag && isSdp(res)) {
      // RFC 3960 early media: the 18x SDP is the answer to our offer; the caller hears it through the engine.
      const calleeSdp = res.body.toString('utf8');
      const a = await c.host.media.answer({
        callId: c.mediaCallId,
        fromTag: c.a.remoteTag,
        toTag: tag,
        sdp: calleeSdp,
        legOptions: c.legOptions('b'),
      });
      if (a.ok) {
        sdp = a.sdp;
        c.legs.receivedSdp('b', calleeSdp);
        this.#earlyTag = tag;
        this.#earlySdp = a.sdp;
        // The early dialog whose answer the caller got: an UPDATE from either side goes to it (RFC 3311 §5.1).
        if (early) {
          c.legs.setDialog('b', early);
          c.registerDialog(early, 'b');
        }
      }
    }
    if (this.#gone()) return;
    if (ringing) c.ringing();
    c.respondA(res.status, res.reason, sdp);
  }

  async #established(d: Dialog, res: SipResponse): Promise<void> {
    const c = this.#c;
    c.legs.setDialog('b', d);
    c.registerDialog(d, 'b');
    this.#stopRing();
    if (c.isEnded() || this.#cancelled) {
      // CANCEL lost the race against the 2xx: the B leg is up, end it (RFC 3261 §9.1, §15).
      c.legs.sendBye('b');
      if (this.#cancelled) this.#finishCancelled();
      return;
    }
    let sdp: string | undefined;
    if (res.body.length > 0 && isSdp(res)) {
      const calleeSdp = res.body.toString('utf8');
      const a = await c.host.media.answer({
        callId: c.mediaCallId,
        fromTag: c.a.remoteTag,
        toTag: d.remoteTag,
        sdp: calleeSdp,
        legOptions: c.legOptions('b'),
      });
      if (a.ok) {
        sdp = a.sdp;
        c.legs.receivedSdp('b', calleeSdp);
      } else if (this.#earlyTag === d.remoteTag && c.legs.lastSdp('a') !== undefined) {
        // The early session was renegotiated (UPDATE, RFC 3311) after the 18x answer: the engine's last offerer is
        // no longer the caller, and the 2xx only repeats an answer already applied. The caller keeps what it has.
        sdp = c.legs.lastSdp('a')!;
      } else {
        c.legs.sendBye('b');
        return c.failA(mediaRejection(a.code));
      }
    } else if (this.#earlyTag === d.remoteTag && this.#earlySdp !== undefined) {
      // The answer came in the (unreliable) 18x: repeat it in the 2xx, the caller may not have it (RFC 3261 §13.2.1).
      sdp = this.#earlySdp;
    } else {
      c.legs.sendBye('b');
      return c.failA(reject('BAD_SDP'));
    }
    if (c.isEnded() || this.#cancelled) {
      c.legs.sendBye('b');
      return;
    }
    this.#answered = true;
    c.answered(res, sdp);
  }

  #failed(res: SipResponse | { status: number; reason: string }): void {
    if (this.#cancelled) {
      this.#stopRing();
      return this.#finishCancelled();
    }
    if (this.#gone()) return this.#stopRing();
    if (res.status === 422 && 'headers' in res && this.#retryAfter422(res)) return; // the ring limit keeps running
    this.#stopRing();
    this.#c.failA(calleeFailure(res.status, res.reason));
  }

  #noAnswer(): void {
    if (this.#gone()) return;
    this.#uac?.cancel();
    this.#c.failA(reject('NO_ANSWER'));
  }

  /** The caller's CANCEL (RFC 3261 §9.2: the layer answered it 200; the INVITE gets 487 from us). */
  cancelFromA(): number | undefined {
    const c = this.#c;
    if (this.#gone()) return undefined;
    this.#cancelled = true;
    this.#stopRing();
    c.respondA(487, 'Request Terminated');
    if (!this.#uac) {
      this.#finishCancelled();
      return 487;
    }
    this.#uac.cancel();
    // §9.1: without a final response to the cancelled INVITE within 64*T1, consider it ended.
    this.#cancelTimer = c.host.clock.setTimeout(() => c.enqueue(() => this.#finishCancelled()), 64 * c.host.layer.timers.T1);
    return 487;
  }

  #finishCancelled(): void {
    this.#c.end('cancelled', 'a');
  }

  #stopRing(): void {
    this.#c.host.clock.clearTimeout(this.#ringTimer);
    this.#ringTimer = undefined;
  }
}

/**
 * What the caller hears for a final failure of the B leg. The edge already chose the best fork response.
 * - 401/407: the far side's challenge means nothing to the caller → 500; so does a 422 we could not satisfy.
 * - 3xx: the B2BUA does not follow redirects (a callee's Contact could send the call anywhere, at the caller's
 *   client's expense: toll fraud) nor pass them on (the caller's phone would follow them past our routing) → 480.
 */
export function calleeFailure(status: number, reason: string): Rejection | { status: number; reason: string } {
  // 422 (after our retry, or without a usable Min-SE) is about the B leg's session interval, which the caller
  // cannot change: passing it on would make the caller retry in vain
  if (status === 401 || status === 407 || status === 422) return { status: 500, reason: 'Server Internal Error' };
  if (status >= 300 && status < 400) return reject('REDIRECT_REFUSED');
  return { status, reason };
}

function isSdp(m: SipResponse): boolean {
  return (m.contentType ?? '').toLowerCase().startsWith('application/sdp');
}
