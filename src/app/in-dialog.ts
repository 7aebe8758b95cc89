// Requests inside an established call, passed from one leg to the other by the CallSession: re-INVITE/UPDATE with
// a new offer through the media engine (RFC 3261 §14, RFC 3311), the answer in the ACK of an offer-less re-INVITE,
// and INFO (DTMF), OPTIONS, MESSAGE, NOTIFY…
// relayed with their final response.
import { createResponse, type SipRequest, type SipResponse } from '../sip/message.ts';
import type { Dialog } from '../sip/dialog/dialog.ts';
import type { ServerTransaction } from '../sip/transaction/types.ts';
import type { LegOptions, MediaResult } from '../media/engine.ts';
import { mediaRejection } from './errors.ts';
import type { SessionHost } from './session-host.ts';

import { otherLeg, type Leg } from './leg-signals.ts';

export type { Leg };

/** Headers copied onto a relayed in-dialog request (besides the body and its Content-Type). */
const RELAYED_HEADERS = ['Content-Disposition', 'Event', 'Info-Package', 'Subject', 'Reason'];

/** What the in-dialog handlers need from their session. */
export interface InDialogContext {
  host: SessionHost;
  mediaCallId: string;
  /** The call is answered and not over (asked again after a wait). */
  confirmed(): boolean;
  dialogOf(leg: Leg): Dialog | undefined;
  /** The tag the media engine knows a leg by. */
  mediaTag(leg: Leg): string;
  /** Codec policy for SDP sent by `from`. */
  legOptions(from: Leg): LegOptions;
  /** SDP we last sent on a leg. */
  lastSdpTo(leg: Leg): string | undefined;
  /** We sent this SDP on a leg, and its phone accepted it (a 2xx). */
  sentSdp(leg: Leg, sdp: string): void;
  /** A leg's phone sent this SDP (offer or answer) and the engine took it. */
  receivedSdp(leg: Leg, sdp: string): void;
  /**
   * Our 2xx to the offer-less re-INVITE `seq` on `leg` offered SDP: the answer comes in the ACK, and no other offer
   * may start before it (the call is busy until then).
   */
  expectAnswerInAck(leg: Leg, seq: number): void;
  /** Runs `fn` in the session's serial queue. */
  enqueue(fn: () => void | Promise<void>): void;
  /** Final response to an in-dialog request (2xx to INVITE retransmitted until the ACK). */
  respond(leg: Leg, req: SipRequest, tx: ServerTransaction, status: number, reason: string, sdp?: string): void;
  /** A 2xx to a re-INVITE/UPDATE we sent on `leg` refreshed its session (RFC 4028 §10). */
  refreshed(leg: Leg): void;
  /** An offer/answer exchange is in progress (glare detection). */
  busy(): boolean;
  setBusy(v: boolean): void;
  /** The other leg's dialog is gone (481/408 to a request in it): BYE `leg` and end the call. */
  lost(leg: Leg, why: string): void;
}

const is2xx = (s: number): boolean => s >= 200 && s < 300;

/** Tries at passing an ACK's answer on to the other leg (the first, and retries after glare). */
const ACK_ANSWER_ATTEMPTS = 3;

/** re-INVITE / UPDATE: new offer through the media engine to the other leg, its answer back the same way. */
export async function reoffer(c: InDialogContext, leg: Leg, req: SipRequest, tx: ServerTransaction): Promise<void> {
  const od = c.dialogOf(otherLeg(leg));
  const isInvite = req.method === 'INVITE';
  // re-INVITE only in a confirmed dialog; UPDATE also in the early one (RFC 3311 §5.1: the early answer was given).
  if (!od || od.state === 'terminated' || (!c.confirmed() && (isInvite || c.lastSdpTo('a') === undefined))) {
    if (isInvite) tx.respond(createResponse(req, 491, 'Request Pending'));
    // RFC 3311 §5.2: an UPDATE we cannot take yet → 500 with Retry-After (0-10 s).
    else tx.respond(createResponse(req, 500, 'Server Internal Error', { headers: [['Retry-After', '2']] }));
    return;
  }
  if (c.busy()) {
    // RFC 3261 §14.2 / RFC 3311 §5.2: an offer while ours is pending → 491 Request Pending.
    tx.respond(createResponse(req, 491, 'Request Pending'));
    return;
  }
  if (req.body.length === 0) {
    // Offer-less re-INVITE: our 2xx offers the SDP this leg already has, and its ACK brings the answer
    // (answerInAck). A session refresh repeats the answer and disturbs nobody.
    // UPDATE without an offer (RFC 3311 §5.2, a session refresh): 200 without a body.
    c.respond(leg, req, tx, 200, 'OK', isInvite ? c.lastSdpTo(leg) : undefined);
    if (isInvite) c.expectAnswerInAck(leg, req.cseq.seq);
    return;
  }
  const sdp = req.body.toString('utf8');
  const offer = await c.host.media.offer({ callId: c.mediaCallId, fromTag: c.mediaTag(leg), sdp, legOptions: c.legOptions(leg) });
  if (!offer.ok) {
    const r = mediaRejection(offer.code);
    tx.respond(createResponse(req, r.status, r.reason));
    return;
  }
  c.receivedSdp(leg, sdp);
  offerToOtherLeg(c, leg, req.method, offer.sdp, (res, answer) => {
    if (answer && !answer.ok) {
      const r = mediaRejection(answer.code);
      return c.respond(leg, req, tx, r.status, r.reason);
    }
    if (answer) return c.respond(leg, req, tx, res.status, res.reason, answer.sdp);
    c.respond(leg, req, tx, res.status, res.reason);
    // RFC 3261 §12.2.1.2: 481/408 to a request inside the dialog: that dialog is gone, so is the call.
    if (res.status === 481 || res.status === 408) c.lost(leg, `${req.method} ${res.status}`);
  });
}

/**
 * The ACK of an offer-less re-INVITE on `leg` carried a changed answer (a new address, hold, another codec): it is
 * a new offer from that phone as far as the other leg is concerned, so the other leg gets a re-INVITE with the
 * engine's SDP. The engine's answer for `leg` has nowhere to go (nothing answers an ACK); the anchored addresses
 * it gave that phone stay as they are.
 */
export async function answerInAck(c: InDialogContext, leg: Leg, sdp: string, attempt = 1): Promise<void> {
  if (!c.confirmed()) return;
  const other = otherLeg(leg);
  const od = c.dialogOf(other);
  if (!od || od.state === 'terminated') return;
  // Glare (an offer of ours or of the other phone in progress, or its 491): again later, like a UAC after a 491
  // (RFC 3261 §14.1: 2.1–4 s when we own the other dialog's Call-ID (the B leg), else up to 2 s).
  const later = (why: string): void => {
    if (attempt >= ACK_ANSWER_ATTEMPTS) {
      c.host.log(`call ${c.mediaCallId}: SDP in the ACK on leg ${leg} not passed on (${why}, ${attempt} attempts)`);
      return;
    }
    const ms = other === 'b' ? 2100 + Math.floor(Math.random() * 190) * 10 : Math.floor(Math.random() * 200) * 10;
    c.host.clock.setTimeout(() => c.enqueue(() => answerInAck(c, leg, sdp, attempt + 1)), ms);
  };
  if (c.busy()) return later('an offer is pending');
  const offer = await c.host.media.offer({ callId: c.mediaCallId, fromTag: c.mediaTag(leg), sdp, legOptions: c.legOptions(leg) });
  if (!offer.ok) {
    c.host.log(`call ${c.mediaCallId}: SDP in the ACK on leg ${leg} refused by the media engine (${offer.code}); media unchanged`);
    return;
  }
  c.receivedSdp(leg, sdp);
  offerToOtherLeg(c, leg, 'INVITE', offer.sdp, (res, answer) => {
    if (answer && !answer.ok) c.host.log(`call ${c.mediaCallId}: answer on leg ${other} refused by the media engine (${answer.code})`);
    if (res.status === 491) return later('491 from the other leg');
    if (res.status === 481 || res.status === 408) c.lost(leg, `INVITE ${res.status}`);
  });
}

/**
 * Sends the engine's offer `sdp` (made from `leg`'s SDP) to the other leg in a re-INVITE/UPDATE, ACKs a 2xx, runs
 * the answer through the engine, and hands the final response with the engine's answer for `leg` (when the 2xx
 * had SDP) to `done`, in the session's queue.
 */
function offerToOtherLeg(
  c: InDialogContext,
  leg: Leg,
  method: string,
  sdp: string,
  done: (res: SipResponse, answer: MediaResult<{ sdp: string }> | undefined) => void,
): void {
  const other = otherLeg(leg);
  const od = c.dialogOf(other)!;
  c.setBusy(true);
  const fwd = od.createRequest(method, { body: sdp, contentType: 'application/sdp' });
  const target = c.host.targetFor(od.nextHop());
  let finished = false;
  const onFinal = (res: SipResponse) =>
    c.enqueue(async () => {
      if (finished) return;
      finished = true;
      c.setBusy(false);
      od.receiveResponse(res, method);
      const ok = is2xx(res.status);
      if (ok) {
        c.refreshed(other);
        c.sentSdp(other, sdp);
      }
      // RFC 3261 §13.2.2.4: the ACK of a 2xx is ours to send, end to end.
      if (ok && method === 'INVITE') c.host.layer.sendAck(od.createRequest('ACK', { seq: fwd.cseq.seq }), target);
      let answer: MediaResult<{ sdp: string }> | undefined;
      if (ok && res.body.length > 0) {
        const theirs = res.body.toString('utf8');
        answer = await c.host.media.answer({
          callId: c.mediaCallId,
          fromTag: c.mediaTag(leg),
          toTag: c.mediaTag(other),
          sdp: theirs,
          legOptions: c.legOptions(other),
        });
        if (answer.ok) c.receivedSdp(other, theirs);
      }
      done(res, answer);
    });
  c.host.layer.sendRequest(fwd, target, {
    onResponse: (res) => {
      if (res.status >= 200) onFinal(res);
    },
    onTimeout: () => onFinal(createResponse(fwd, 408, 'Request Timeout')),
    onTransportError: () => onFinal(createResponse(fwd, 503, 'Service Unavailable')),
  });
}

/** INFO (DTMF), OPTIONS, MESSAGE, NOTIFY…: passed to the other leg, its final response passed back. */
export function relay(c: InDialogContext, leg: Leg, req: SipRequest, tx: ServerTransaction): void {
  const od = c.dialogOf(otherLeg(leg));
  if (!od || od.state === 'terminated') {
    tx.respond(createResponse(req, 481, 'Call/Transaction Does Not Exist'));
    return;
  }
  const headers: Array<[string, string]> = [];
  for (const h of RELAYED_HEADERS) for (const v of req.headers.getAll(h)) headers.push([h, v]);
  const ct = req.contentType;
  const fwd = od.createRequest(req.method, {
    headers,
    ...(req.body.length > 0 ? { body: req.body } : {}),
    ...(ct !== undefined ? { contentType: ct } : {}),
  });
  const back = (status: number, reason: string, res?: SipResponse) => {
    if (tx.state === 'terminated' || tx.state === 'completed') return;
    const withBody = res !== undefined && res.body.length > 0;
    tx.respond(createResponse(req, status, reason, withBody
      ? { body: res.body, headers: res.contentType ? [['Content-Type', res.contentType]] : [] }
      : undefined));
  };
  c.host.layer.sendRequest(fwd, c.host.targetFor(od.nextHop()), {
    onResponse: (res) => {
      if (res.status >= 200) back(res.status, res.reason, res);
    },
    onTimeout: () => back(408, 'Request Timeout'),
    onTransportError: () => back(503, 'Service Unavailable'),
  });
}
