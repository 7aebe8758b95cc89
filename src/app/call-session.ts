// One internal call (jambonz's CallSession): the A leg (the caller's INVITE, relayed by the users edge), the B leg
// (our INVITE to the edge, which forks it to the callee's contacts), the media anchored for both, the session
// timers of each leg, and the call's records (active calls while it lives, call registry when it ends). Every
// event of the call goes through one serial queue, so the async media engine never sees two operations of one
// call overlap. The setup phase lives in call-setup.ts, in-dialog relaying in in-dialog.ts.
import { createResponse, type SipRequest, type SipResponse } from '../sip/message.ts';
import type { ServerTransaction } from '../sip/transaction/types.ts';
import type { LegOptions } from '../media/engine.ts';
import { reject, type Rejection } from './errors.ts';
import type { CallerContext } from './headers.ts';
import type { InternalRoute } from './routing.ts';
import type { SessionHost } from './session-host.ts';
import { answerInAck, relay, reoffer, type InDialogContext } from './in-dialog.ts';
import { ALeg } from './a-leg.ts';
import { CallSetup } from './call-setup.ts';
import { LegSignals, otherLeg, type Leg } from './leg-signals.ts';
import { SessionRecords } from './calls/session-records.ts';
import { allowsMethod, fromUacResponse, negotiateUas, uacRequestHeaders, uasResponseHeaders, type LegTimerSpec } from './session-timer.ts';
import { CallTimers } from './call-timers.ts';
import { randomHex } from '../sip/random.ts';

export type { Leg };
export type SessionState = 'setup' | 'early' | 'confirmed' | 'ended';

export class CallSession {
  readonly id = randomHex(6);
  readonly invite: SipRequest;
  readonly startedAt: Date;
  state: SessionState = 'setup';
  answeredAt: Date | undefined;
  endedAt: Date | undefined;
  /** Final status sent to the caller (200 when answered). */
  finalStatus = 0;
  endReason = '';
  readonly bCallId = `${randomHex(10)}@sy-app`;
  readonly #host: SessionHost;
  readonly #route: InternalRoute;
  readonly #a: ALeg;
  readonly #legs: LegSignals;
  readonly #records: SessionRecords;
  readonly #setup: CallSetup;
  #queue: Promise<void> = Promise.resolve();
  #reinviting = false;
  #onEnded: Array<() => void> = [];
  /** RFC 4028 on the A leg, as the caller asked (server.ts already answered 422 below our Min-SE). */
  readonly #aTimer: { spec: LegTimerSpec | undefined; peerSupports: boolean };
  readonly #timers: CallTimers;

  constructor(host: SessionHost, invite: SipRequest, tx: ServerTransaction, route: InternalRoute, ctx: CallerContext) {
    this.#host = host;
    this.invite = invite;
    this.#route = route;
    this.startedAt = new Date(host.now());
    // an offer-less re-INVITE's exchange holds off other offers until its ACK (RFC 3264 §4): then it is over
    this.#legs = new LegSignals(host, () => (this.#reinviting = false));
    this.#a = new ALeg(invite, tx, host.contact, (d) => {
      this.#legs.setDialog('a', d);
      host.registerDialog(d, this, 'a');
    });
    this.#records = new SessionRecords(host.recorder, route, ctx, invite.callId, this.startedAt);
    const t = negotiateUas(invite.headers, host.sessionTimers);
    this.#aTimer = t.ok ? { spec: t.spec, peerSupports: t.peerSupports } : { spec: undefined, peerSupports: false };
    this.#timers = new CallTimers({
      host,
      legs: this.#legs,
      enqueue: (fn) => this.#enqueue(fn),
      confirmed: () => this.state === 'confirmed',
      busy: () => this.#reinviting,
      setBusy: (v) => (this.#reinviting = v),
      expired: (leg, why) => this.#byeBoth(why, leg),
    });
    this.#setup = new CallSetup({
      host,
      a: this.#a,
      legs: this.#legs,
      route,
      records: this.#records,
      mediaCallId: this.mediaCallId,
      bCallId: this.bCallId,
      registerDialog: (d, leg) => host.registerDialog(d, this, leg),
      trackBCall: () => host.trackBCall(this),
      bLegHeaders: (peerMinSeS) => uacRequestHeaders(this.#aTimer.spec?.intervalS ?? host.sessionTimers.defaultSeS, host.sessionTimers, peerMinSeS),
      legOptions: (l) => this.#legOptions(l),
      enqueue: (fn) => this.#enqueue(fn),
      isEnded: () => this.state === 'ended',
      respondA: (s, r, sdp) => this.#respondA(s, r, sdp),
      failA: (r) => this.#failA(r),
      ringing: () => {
        if (this.state !== 'setup') return;
        this.state = 'early';
        this.#records.state('early');
      },
      answered: (res, sdp) => this.#answered(res, sdp),
      end: (reason, by) => this.#end(reason, by),
    });
  }

  /** Media engine call id: the A leg's Call-ID (one engine call anchors both legs). */
  get mediaCallId(): string {
    return this.invite.callId;
  }

  get route(): InternalRoute {
    return this.#route;
  }

  get users(): number[] {
    const out: number[] = [];
    if (this.#route.caller.user) out.push(this.#route.caller.user.id);
    out.push(this.#route.callee.user.id);
    return out;
  }

  /** Session timer per leg (tests, diagnostics). */
  sessionTimer(leg: Leg): LegTimerSpec | undefined {
    return this.#timers.spec(leg);
  }

  onEnded(cb: () => void): void {
    this.#onEnded.push(cb);
  }

  start(): void {
    this.#a.tx.onCancel(() => this.#enqueue(() => {
      const status = this.#setup.cancelFromA();
      if (status !== undefined) this.finalStatus = status;
    }));
    this.#a.tx.onFailure(() => this.#enqueue(() => this.#end('A transaction failed', 'a')));
    this.#records.openCaller();
    this.#enqueue(() => this.#setup.sendBLeg());
  }

  /** A 2xx retransmission after the INVITE transaction ended: ACK it again (RFC 3261 §13.2.2.4). */
  bStray2xx(res: SipResponse): void {
    this.#setup.stray2xx(res);
  }

  #answered(res: SipResponse, sdp: string): void {
    this.state = 'confirmed';
    this.answeredAt = new Date(this.#host.now());
    this.finalStatus = 200;
    this.#records.state('confirmed', this.answeredAt);
    this.#a.ensureDialog().state = 'confirmed';
    const aSpec = this.#aTimer.spec;
    const ok = this.#a.response(200, 'OK', { sdp, headers: aSpec ? uasResponseHeaders(aSpec, this.#aTimer.peerSupports) : [] });
    this.#legs.sentSdp('a', sdp);
    // RFC 3261 §13.3.1.4: retransmit the 2xx until the caller's ACK; without one, the call is torn down.
    this.#legs.retransmit('a', this.#a.tx, ok, () => this.#enqueue(() => this.#byeBoth('no ACK from caller', 'a')));
    this.#timers.start('a', aSpec, { allowsUpdate: allowsMethod(this.invite.headers, 'UPDATE'), supportsTimer: this.#aTimer.peerSupports });
    this.#timers.start('b', fromUacResponse(res.headers), { allowsUpdate: allowsMethod(res.headers, 'UPDATE'), supportsTimer: true });
  }

  // --- ending -------------------------------------------------------------------------------------------------

  /** Media engine gave up on the call (no packets): hang up both legs. */
  mediaTimeout(): void {
    this.#enqueue(() => this.hangup('media timeout'));
  }

  /** Ends the call from our side (shutdown, media timeout): BYE to answered legs, CANCEL + 503 otherwise. */
  hangup(reason: string): void {
    if (this.state === 'ended') return;
    if (this.state === 'confirmed') return this.#byeBoth(reason, 'app');
    this.#setup.cancelB();
    this.#failA(reject('SHUTTING_DOWN'));
  }

  #byeBoth(reason: string, by: Leg | 'app'): void {
    this.#legs.sendBye('a');
    this.#legs.sendBye('b');
    this.#end(reason, by);
  }

  // --- in-dialog requests -------------------------------------------------------------------------------------

  /** A request inside the A or B dialog (the dialog store already checked CSeq and refreshed the target). */
  inDialog(leg: Leg, req: SipRequest, tx: ServerTransaction): void {
    this.#enqueue(() => this.#inDialog(leg, req, tx));
  }

  /** True while our 2xx to the caller waits for its ACK (RFC 3261 §13.3.1.4). */
  get awaitingAck(): boolean {
    return this.#legs.awaitingAck('a');
  }

  /** The ACK of our 2xx on `leg`; it may carry the answer to an offer-less re-INVITE (in-dialog.ts answerInAck). */
  ack(leg: Leg, ack?: SipRequest): void {
    const changedSdp = this.#legs.ack(leg, ack);
    if (changedSdp !== undefined && this.state === 'confirmed') this.#enqueue(() => answerInAck(this.#inDialogContext(), leg, changedSdp));
  }

  async #inDialog(leg: Leg, req: SipRequest, tx: ServerTransaction): Promise<void> {
    switch (req.method) {
      case 'BYE': {
        tx.respond(createResponse(req, 200, 'OK'));
        if (this.state === 'ended') return; // queued behind what ended the call (ring timeout, the other side's BYE)
        if (this.state !== 'confirmed') {
          // BYE in an early dialog (RFC 3261 §15): the call never got answered; the caller hears the setup fail.
          this.#setup.cancelB();
          if (leg === 'b') return this.#failA({ status: 480, reason: 'Temporarily Unavailable' });
          // The caller ended its own early dialog: its INVITE still gets a final response (RFC 3261 §15.1.2: 487).
          this.finalStatus = 487;
          this.#respondA(487, 'Request Terminated');
          return this.#end('BYE', 'a');
        }
        this.#legs.sendBye(otherLeg(leg));
        return this.#end('BYE', leg);
      }
      case 'INVITE':
      case 'UPDATE': {
        // RFC 4028 §9: a re-INVITE/UPDATE (session refresh or not) asking for less than our Min-SE → 422
        const st = negotiateUas(req.headers, this.#host.sessionTimers);
        if (!st.ok) {
          tx.respond(createResponse(req, st.status, st.reason, { headers: [['Min-SE', String(st.minSeS)]] }));
          return;
        }
        return reoffer(this.#inDialogContext(), leg, req, tx);
      }
      case 'REFER':
      case 'SUBSCRIBE':
        tx.respond(createResponse(req, 501, 'Not Implemented'));
        return;
      default:
        return relay(this.#inDialogContext(), leg, req, tx);
    }
  }

  #inDialogContext(): InDialogContext {
    return {
      host: this.#host,
      mediaCallId: this.mediaCallId,
      confirmed: () => this.state === 'confirmed',
      dialogOf: (l) => this.#legs.dialog(l),
      mediaTag: (l) => this.#mediaTag(l),
      legOptions: (l) => this.#legOptions(l),
      lastSdpTo: (l) => this.#legs.lastSdp(l),
      sentSdp: (l, sdp) => this.#legs.sentSdp(l, sdp),
      receivedSdp: (l, sdp) => this.#legs.receivedSdp(l, sdp),
      expectAnswerInAck: (l, seq) => {
        this.#legs.expectAnswerInAck(l, seq);
        this.#reinviting = true;
      },
      enqueue: (fn) => this.#enqueue(fn),
      respond: (l, req, tx, status, reason, sdp) => {
        const ok = status >= 200 && status < 300 && (req.method === 'INVITE' || req.method === 'UPDATE');
        const headers = ok ? this.#timers.answerRefresh(l, req) : [];
        this.#legs.respond(l, req, tx, status, reason, { headers, ...(sdp !== undefined ? { sdp } : {}) });
      },
      refreshed: (l) => this.#timers.refreshed(l),
      busy: () => this.#reinviting,
      setBusy: (v) => (this.#reinviting = v),
      lost: (l, why) => {
        this.#legs.sendBye(l);
        this.#end(why, otherLeg(l));
      },
    };
  }

  // --- helpers ----------------------------------------------------------------------------------------------

  #enqueue(fn: () => void | Promise<void>): void {
    this.#queue = this.#queue.then(fn).catch((err: unknown) => {
      this.#host.log(`call ${this.invite.callId}: internal error ${(err as Error)?.stack ?? String(err)}`);
      if (this.state !== 'ended') {
        try {
          this.hangup('internal error');
        } catch {
          this.#end('internal error', 'app');
        }
      }
    });
  }

  #legOptions(from: Leg): LegOptions {
    const a = { allowedCodecs: this.#route.caller.terminal.allowedCodecs };
    const b = { allowedCodecs: this.#route.callee.terminal.allowedCodecs };
    return from === 'a' ? { from: a, to: b } : { from: b, to: a };
  }

  #mediaTag(leg: Leg): string {
    return leg === 'a' ? this.#a.remoteTag : (this.#legs.dialog('b')?.remoteTag ?? '');
  }

  #respondA(status: number, reason: string, sdp?: string): void {
    if (this.#a.respond(status, reason, sdp !== undefined ? { sdp } : {}) && sdp !== undefined) this.#legs.sentSdp('a', sdp);
  }

  #failA(r: Rejection | { status: number; reason: string }): void {
    if (this.state === 'ended') return;
    this.finalStatus = r.status;
    this.#respondA(r.status, r.reason);
    this.#end(`${r.status} ${r.reason}`, 'b');
  }

  /** The call is over: release media, dialogs, timers, rows; write the registry. Idempotent. */
  #end(reason: string, by: Leg | 'app'): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.endReason = reason;
    this.endedAt = new Date(this.#host.now());
    this.#setup.stop();
    // the A-leg INVITE transaction waits 64*T1 more (Timer L); its callbacks would keep this whole call alive
    this.#a.tx.forgetCallbacks();
    this.#timers.stop();
    this.#legs.stopAll();
    const ad = this.#a.dialog;
    if (ad) ad.state = 'terminated';
    void this.#host.media.delete({ callId: this.mediaCallId }).catch(() => undefined);
    this.#records.finish({ answeredAt: this.answeredAt, endedAt: this.endedAt, cancelled: this.#setup.cancelled, status: this.finalStatus });
    this.#host.log(`call ${this.invite.callId}: ended (${reason}, by ${by})`);
    for (const cb of this.#onEnded) cb();
  }
}
