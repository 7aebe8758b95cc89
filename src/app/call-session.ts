// One internal call (jambonz's CallSession): the A leg (the caller's INVITE, relayed by the users edge), the B leg
// (our INVITE to the edge, which forks it to the callee's contacts), the media anchored for both, and the call's
// records (active calls while it lives, call registry when it ends). Every event of the call goes through one
// serial queue, so the async media engine never sees two operations of one call overlap.
import { randomBytes } from 'node:crypto';
import { createResponse, type SipRequest, type SipResponse } from '../sip/message.ts';
import { dialogFromUasRequest } from '../sip/dialog/create.ts';
import type { Dialog } from '../sip/dialog/dialog.ts';
import { UacInvite } from '../sip/dialog/uac-invite.ts';
import { Uas2xxRetransmitter } from '../sip/dialog/uas-2xx.ts';
import type { ServerTransaction } from '../sip/transaction/types.ts';
import type { TimerHandle } from '../sip/clock.ts';
import type { LegOptions } from '../media/engine.ts';
import { mediaRejection, reject, type Rejection } from './errors.ts';
import type { CallerContext } from './headers.ts';
import type { InternalRoute } from './routing.ts';
import type { SessionHost } from './session-host.ts';
import { relay, reoffer, type InDialogContext, type Leg } from './in-dialog.ts';
import { ALLOW, buildBLegInvite } from './b-leg.ts';
import { dispositionOf } from './calls/states.ts';
import type { RegistryRow } from './calls/recorder.ts';
import { activeRow, registryRows } from './calls/session-rows.ts';

export type { Leg };
export type SessionState = 'setup' | 'early' | 'confirmed' | 'ended';


export class CallSession {
  readonly id = randomBytes(6).toString('hex');
  readonly invite: SipRequest;
  readonly startedAt: Date;
  state: SessionState = 'setup';
  answeredAt: Date | undefined;
  endedAt: Date | undefined;
  /** Final status sent to the caller (200 when answered). */
  finalStatus = 0;
  endReason = '';
  readonly #host: SessionHost;
  readonly #tx: ServerTransaction;
  readonly #route: InternalRoute;
  readonly #ctx: CallerContext;
  readonly #aTag = randomBytes(6).toString('hex');
  readonly #aRemoteTag: string;
  #aDialog: Dialog | undefined;
  #bDialog: Dialog | undefined;
  #uac: UacInvite | undefined;
  readonly bCallId = `${randomBytes(10).toString('hex')}@sy-app`;
  readonly #bFromTag = randomBytes(6).toString('hex');
  #queue: Promise<void> = Promise.resolve();
  #cancelled = false;
  #aAnswered = false;
  #retrans: Partial<Record<Leg, Uas2xxRetransmitter>> = {};
  #reinviting = false;
  #ringTimer: TimerHandle | undefined;
  #cancelTimer: TimerHandle | undefined;
  #callerKey: string | undefined;
  #calleeKey: string | undefined;
  #earlyTag: string | undefined;
  #earlySdp: string | undefined;
  #onEnded: Array<() => void> = [];
  /** SDP we last sent on each leg (for offer-less re-INVITEs). */
  readonly #lastSdpTo: Partial<Record<Leg, string>> = {};

  constructor(host: SessionHost, invite: SipRequest, tx: ServerTransaction, route: InternalRoute, ctx: CallerContext) {
    this.#host = host;
    this.invite = invite;
    this.#tx = tx;
    this.#route = route;
    this.#ctx = ctx;
    this.startedAt = new Date(host.now());
    this.#aRemoteTag = invite.from.params.get('tag') ?? '';
  }

  #isEnded(): boolean {
    return this.state === 'ended';
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

  onEnded(cb: () => void): void {
    this.#onEnded.push(cb);
  }

  // --- setup ------------------------------------------------------------------------------------------------

  start(): void {
    this.#tx.onCancel(() => this.#enqueue(() => this.#cancelFromA()));
    this.#tx.onFailure(() => this.#enqueue(() => this.#end('A transaction failed', 'a')));
    this.#callerKey = this.#openRow('outbound');
    this.#enqueue(() => this.#sendBLeg());
  }

  async #sendBLeg(): Promise<void> {
    if (this.#isEnded()) return;
    const mf = this.invite.maxForwards ?? 70;
    if (mf <= 0) return this.#failA({ status: 483, reason: 'Too Many Hops' });
    const offer = await this.#host.media.offer({
      callId: this.mediaCallId,
      fromTag: this.#aRemoteTag,
      sdp: this.invite.body.toString('utf8'),
      legOptions: this.#legOptions('a'),
    });
    if (this.#isEnded() || this.#cancelled) {
      if (this.#cancelled) this.#finishCancelled();
      return;
    }
    if (!offer.ok) return this.#failA(mediaRejection(offer.code));
    const req = buildBLegInvite({
      route: this.#route,
      callId: this.bCallId,
      fromTag: this.#bFromTag,
      contact: this.#host.contact,
      maxForwards: mf,
      sdp: offer.sdp,
    });
    this.#lastSdpTo.b = offer.sdp;
    this.#calleeKey = this.#openRow('inbound');
    this.#uac = new UacInvite({
      layer: this.#host.layer,
      store: this.#host.dialogs,
      invite: req,
      target: this.#host.edgeTarget(),
      localContact: this.#host.contact,
      targetFor: (u) => this.#host.targetFor(u),
      handlers: {
        onProvisional: (res) => this.#enqueue(() => this.#bProvisional(res)),
        onEstablished: (d, res) => this.#enqueue(() => this.#bAnswered(d, res)),
        onFailure: (res) => this.#enqueue(() => this.#bFailed(res)),
      },
    });
    this.#host.trackBCall(this);
    const ring = this.#host.ringTimeoutMs;
    if (ring > 0) {
      this.#ringTimer = this.#host.clock.setTimeout(() => this.#enqueue(() => this.#noAnswer()), ring);
    }
  }

  async #bProvisional(res: SipResponse): Promise<void> {
    if (this.#isEnded() || this.#aAnswered || this.#cancelled) return;
    if (res.status === 100) return;
    const early = res.status === 180 || res.status === 183;
    let sdp: string | undefined;
    const tag = res.to.params.get('tag') ?? undefined;
    if (res.body.length > 0 && tag && isSdp(res)) {
      // RFC 3960 early media: the 18x SDP is the answer to our offer; the caller hears it through the engine.
      const a = await this.#host.media.answer({
        callId: this.mediaCallId,
        fromTag: this.#aRemoteTag,
        toTag: tag,
        sdp: res.body.toString('utf8'),
        legOptions: this.#legOptions('b'),
      });
      if (a.ok) {
        sdp = a.sdp;
        this.#earlyTag = tag;
        this.#earlySdp = a.sdp;
      }
    }
    if (this.#isEnded() || this.#aAnswered || this.#cancelled) return;
    if (early && this.state === 'setup') {
      this.state = 'early';
      this.#rowState('early');
    }
    this.#respondA(res.status, res.reason, sdp);
  }

  async #bAnswered(d: Dialog, res: SipResponse): Promise<void> {
    this.#bDialog = d;
    this.#host.registerDialog(d, this, 'b');
    this.#stopRing();
    if (this.#isEnded() || this.#cancelled) {
      // CANCEL lost the race against the 2xx: the B leg is up, end it (RFC 3261 §9.1, §15).
      this.#sendBye('b');
      if (this.#cancelled) this.#finishCancelled();
      return;
    }
    const tag = d.remoteTag;
    let sdp: string | undefined;
    if (res.body.length > 0 && isSdp(res)) {
      const a = await this.#host.media.answer({
        callId: this.mediaCallId,
        fromTag: this.#aRemoteTag,
        toTag: tag,
        sdp: res.body.toString('utf8'),
        legOptions: this.#legOptions('b'),
      });
      if (!a.ok) {
        this.#sendBye('b');
        return this.#failA(mediaRejection(a.code));
      }
      sdp = a.sdp;
    } else if (this.#earlyTag === tag && this.#earlySdp !== undefined) {
      // The answer came in the (unreliable) 18x: repeat it in the 2xx, the caller may not have it (RFC 3261 §13.2.1).
      sdp = this.#earlySdp;
    } else {
      this.#sendBye('b');
      return this.#failA(reject('BAD_SDP'));
    }
    if (this.#isEnded() || this.#cancelled) {
      this.#sendBye('b');
      return;
    }
    this.state = 'confirmed';
    this.answeredAt = new Date(this.#host.now());
    this.#aAnswered = true;
    this.finalStatus = 200;
    this.#rowState('confirmed', this.answeredAt);
    const aDialog = this.#ensureADialog();
    aDialog.state = 'confirmed';
    const ok = this.#aResponse(200, 'OK', sdp);
    // RFC 3261 §13.3.1.4: retransmit the 2xx until the caller's ACK; without one, the call is torn down.
    this.#retrans.a = new Uas2xxRetransmitter(this.#host.clock, this.#host.layer.timers, this.#tx, ok, () =>
      this.#enqueue(() => {
        this.#sendBye('a');
        this.#sendBye('b');
        this.#end('no ACK from caller', 'a');
      }),
    );
  }

  #bFailed(res: SipResponse | { status: number; reason: string }): void {
    this.#stopRing();
    if (this.#cancelled) return this.#finishCancelled();
    if (this.#isEnded() || this.#aAnswered) return;
    // Authentication challenges of the far side mean nothing to the caller: present them as a failure.
    const status = res.status === 401 || res.status === 407 ? 500 : res.status;
    this.#failA({ status, reason: status === res.status ? res.reason : 'Server Internal Error' });
  }

  #noAnswer(): void {
    if (this.#isEnded() || this.#aAnswered || this.#cancelled) return;
    this.#uac?.cancel();
    this.#failA(reject('NO_ANSWER'));
  }

  /** A 2xx retransmission after the INVITE transaction ended: ACK it again (RFC 3261 §13.2.2.4). */
  bStray2xx(res: SipResponse): void {
    this.#uac?.handleStray2xx(res);
  }

  // --- CANCEL / BYE -----------------------------------------------------------------------------------------

  #cancelFromA(): void {
    if (this.#isEnded() || this.#aAnswered) return;
    this.#cancelled = true;
    this.#stopRing();
    // RFC 3261 §9.2: the layer answered the CANCEL 200; the INVITE gets 487 from us.
    this.#respondA(487, 'Request Terminated');
    this.finalStatus = 487;
    if (!this.#uac) return this.#finishCancelled();
    this.#uac.cancel();
    // §9.1: without a final response to the cancelled INVITE within 64*T1, consider it ended.
    this.#cancelTimer = this.#host.clock.setTimeout(() => this.#enqueue(() => this.#finishCancelled()), 64 * this.#host.layer.timers.T1);
  }

  #finishCancelled(): void {
    this.#end('cancelled', 'a');
  }

  /** Media engine gave up on the call (no packets): hang up both legs. */
  mediaTimeout(): void {
    this.#enqueue(() => this.hangup('media timeout'));
  }

  /** Ends the call from our side (shutdown, media timeout): BYE to answered legs, 480/CANCEL otherwise. */
  hangup(reason: string): void {
    if (this.#isEnded()) return;
    if (this.#aAnswered) {
      this.#sendBye('a');
      this.#sendBye('b');
      return this.#end(reason, 'app');
    }
    this.#uac?.cancel();
    this.#failA(reject('SHUTTING_DOWN'));
  }

  // --- in-dialog requests -------------------------------------------------------------------------------------

  /** A request inside the A or B dialog (the dialog store already checked CSeq and refreshed the target). */
  inDialog(leg: Leg, req: SipRequest, tx: ServerTransaction): void {
    this.#enqueue(() => this.#inDialog(leg, req, tx));
  }

  /** True while our 2xx to the caller waits for its ACK (RFC 3261 §13.3.1.4). */
  get awaitingAck(): boolean {
    return this.#retrans.a !== undefined && !this.#retrans.a.stopped;
  }

  ack(leg: Leg): void {
    this.#retrans[leg]?.stop();
    this.#retrans[leg] = undefined;
  }

  async #inDialog(leg: Leg, req: SipRequest, tx: ServerTransaction): Promise<void> {
    const other: Leg = leg === 'a' ? 'b' : 'a';
    switch (req.method) {
      case 'BYE': {
        tx.respond(createResponse(req, 200, 'OK'));
        this.#sendBye(other);
        return this.#end('BYE', leg);
      }
      case 'INVITE':
      case 'UPDATE':
        return reoffer(this.#inDialogContext(), leg, req, tx);
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
      confirmed: this.state === 'confirmed',
      dialogOf: (l) => this.#dialogOf(l),
      mediaTag: (l) => this.#mediaTag(l),
      legOptions: (l) => this.#legOptions(l),
      lastSdpTo: (l) => this.#lastSdpTo[l],
      enqueue: (fn) => this.#enqueue(fn),
      respond: (l, req, tx, status, reason, sdp) => this.#respondInDialog(l, req, tx, status, reason, sdp),
      busy: () => this.#reinviting,
      setBusy: (v) => (this.#reinviting = v),
      lost: (l, why) => {
        this.#sendBye(l);
        this.#end(why, l === 'a' ? 'b' : 'a');
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
    return leg === 'a' ? this.#aRemoteTag : (this.#bDialog?.remoteTag ?? '');
  }

  #dialogOf(leg: Leg): Dialog | undefined {
    return leg === 'a' ? this.#aDialog : this.#bDialog;
  }

  #ensureADialog(): Dialog {
    if (this.#aDialog) return this.#aDialog;
    const d = dialogFromUasRequest(this.invite, this.#aTag, this.#host.contact, 'early', 1);
    if (!d) throw new Error('A-leg INVITE cannot form a dialog (no From tag or Contact)');
    this.#aDialog = d;
    this.#host.dialogs.add(d);
    this.#host.registerDialog(d, this, 'a');
    return d;
  }

  #aResponse(status: number, reason: string, sdp?: string): SipResponse {
    const headers: Array<[string, string]> = [];
    if (status > 100 && status < 300) {
      this.#ensureADialog();
      headers.push(['Contact', this.#host.contact]);
      // RFC 3261 §12.1.1: dialog-creating responses copy the request's Record-Route.
      for (const rr of this.invite.headers.getAll('record-route')) headers.push(['Record-Route', rr]);
      if (status >= 200) headers.push(['Allow', ALLOW]);
    }
    if (sdp !== undefined) {
      headers.push(['Content-Type', 'application/sdp']);
      this.#lastSdpTo.a = sdp;
    }
    return createResponse(this.invite, status, reason, { toTag: this.#aTag, headers, ...(sdp !== undefined ? { body: sdp } : {}) });
  }

  #respondA(status: number, reason: string, sdp?: string): void {
    if (this.#tx.state !== 'proceeding') return;
    this.#tx.respond(this.#aResponse(status, reason, sdp));
  }

  #respondInDialog(leg: Leg, req: SipRequest, tx: ServerTransaction, status: number, reason: string, sdp?: string): void {
    const headers: Array<[string, string]> = [['Contact', this.#host.contact]];
    if (sdp !== undefined) {
      headers.push(['Content-Type', 'application/sdp']);
      this.#lastSdpTo[leg] = sdp;
    }
    const res = createResponse(req, status, reason, { headers, ...(sdp !== undefined ? { body: sdp } : {}) });
    if (req.method === 'INVITE' && status >= 200 && status < 300) {
      this.#retrans[leg]?.stop();
      this.#retrans[leg] = new Uas2xxRetransmitter(this.#host.clock, this.#host.layer.timers, tx, res, () => undefined);
    } else if (tx.state === 'proceeding' || tx.state === 'trying') tx.respond(res);
  }

  #failA(r: Rejection | { status: number; reason: string }): void {
    if (this.#isEnded()) return;
    this.finalStatus = r.status;
    this.#respondA(r.status, r.reason);
    this.#end(`${r.status} ${r.reason}`, 'b');
  }

  #sendBye(leg: Leg): void {
    const d = this.#dialogOf(leg);
    if (!d || d.state === 'terminated') return;
    const bye = d.createRequest('BYE');
    d.state = 'terminated';
    this.#host.layer.sendRequest(bye, this.#host.targetFor(d.nextHop()), {});
  }

  #stopRing(): void {
    this.#host.clock.clearTimeout(this.#ringTimer);
    this.#ringTimer = undefined;
  }

  #openRow(direction: 'inbound' | 'outbound'): string {
    return this.#host.recorder.open(activeRow(this.#route, this.#ctx.brandId, this.invite.callId, direction, this.startedAt));
  }

  #rowState(state: 'early' | 'confirmed', answeredAt?: Date): void {
    for (const k of [this.#callerKey, this.#calleeKey]) if (k) this.#host.recorder.state(k, state, answeredAt);
  }

  /** The call is over: release media, dialogs, rows; write the registry. Idempotent. */
  #end(reason: string, by: Leg | 'app'): void {
    if (this.#isEnded()) return;
    this.state = 'ended';
    this.endReason = reason;
    this.endedAt = new Date(this.#host.now());
    this.#stopRing();
    this.#host.clock.clearTimeout(this.#cancelTimer);
    for (const r of Object.values(this.#retrans)) r?.stop();
    if (this.#aDialog) this.#aDialog.state = 'terminated';
    void this.#host.media.delete({ callId: this.mediaCallId }).catch(() => undefined);
    const rec = this.#host.recorder;
    for (const k of [this.#callerKey, this.#calleeKey]) if (k) rec.close(k);
    rec.finished(this.#registryRows());
    this.#host.log(`call ${this.invite.callId}: ended (${reason}, by ${by})`);
    for (const cb of this.#onEnded) cb();
  }

  #registryRows(): RegistryRow[] {
    return registryRows({
      route: this.#route,
      brandId: this.#ctx.brandId,
      callId: this.invite.callId,
      startedAt: this.startedAt,
      answeredAt: this.answeredAt,
      endedAt: this.endedAt ?? new Date(this.#host.now()),
      disposition: dispositionOf({ answered: this.answeredAt !== undefined, cancelled: this.#cancelled, status: this.finalStatus }),
      calleeReached: this.#calleeKey !== undefined,
    });
  }
}

function isSdp(m: SipResponse): boolean {
  return (m.contentType ?? '').toLowerCase().startsWith('application/sdp');
}
