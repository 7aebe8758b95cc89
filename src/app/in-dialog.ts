// Requests inside an established call, passed from one leg to the other by the CallSession: re-INVITE/UPDATE with
// a new offer through the media engine (RFC 3261 §14, RFC 3311), and INFO (DTMF), OPTIONS, MESSAGE, NOTIFY…
// relayed with their final response.
import { createResponse, type SipRequest, type SipResponse } from '../sip/message.ts';
import type { Dialog } from '../sip/dialog/dialog.ts';
import type { ServerTransaction } from '../sip/transaction/types.ts';
import type { LegOptions } from '../media/engine.ts';
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
  confirmed: boolean;
  dialogOf(leg: Leg): Dialog | undefined;
  /** The tag the media engine knows a leg by. */
  mediaTag(leg: Leg): string;
  /** Codec policy for SDP sent by `from`. */
  legOptions(from: Leg): LegOptions;
  /** SDP we last sent on a leg. */
  lastSdpTo(leg: Leg): string | undefined;
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

/** re-INVITE / UPDATE: new offer through the media engine to the other leg, its answer back the same way. */
export async function reoffer(c: InDialogContext, leg: Leg, req: SipRequest, tx: ServerTransaction): Promise<void> {
  const other = otherLeg(leg);
  const od = c.dialogOf(other);
  const isInvite = req.method === 'INVITE';
  // re-INVITE only in a confirmed dialog; UPDATE also in the early one (RFC 3311 §5.1: the early answer was given).
  if (!od || od.state === 'terminated' || (!c.confirmed && (isInvite || c.lastSdpTo('a') === undefined))) {
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
    // Offer-less re-INVITE (session refresh): answer with the SDP this leg already has, do not disturb the other.
    // UPDATE without an offer (RFC 3311 §5.2, a session refresh): 200 without a body.
    c.respond(leg, req, tx, 200, 'OK', isInvite ? c.lastSdpTo(leg) : undefined);
    return;
  }
  const offer = await c.host.media.offer({
    callId: c.mediaCallId,
    fromTag: c.mediaTag(leg),
    sdp: req.body.toString('utf8'),
    legOptions: c.legOptions(leg),
  });
  if (!offer.ok) {
    const r = mediaRejection(offer.code);
    tx.respond(createResponse(req, r.status, r.reason));
    return;
  }
  c.setBusy(true);
  const fwd = od.createRequest(req.method, { body: offer.sdp, contentType: 'application/sdp' });
  const target = c.host.targetFor(od.nextHop());
  let done = false;
  const onFinal = (res: SipResponse) =>
    c.enqueue(async () => {
      if (done) return;
      done = true;
      c.setBusy(false);
      od.receiveResponse(res, req.method);
      if (is2xx(res.status)) c.refreshed(other);
      if (isInvite && is2xx(res.status)) {
        // RFC 3261 §13.2.2.4: the ACK of a 2xx is ours to send, end to end.
        c.host.layer.sendAck(od.createRequest('ACK', { seq: fwd.cseq.seq }), target);
      }
      if (is2xx(res.status) && res.body.length > 0) {
        const a = await c.host.media.answer({
          callId: c.mediaCallId,
          fromTag: c.mediaTag(leg),
          toTag: c.mediaTag(other),
          sdp: res.body.toString('utf8'),
          legOptions: c.legOptions(other),
        });
        if (!a.ok) {
          const r = mediaRejection(a.code);
          return c.respond(leg, req, tx, r.status, r.reason);
        }
        return c.respond(leg, req, tx, res.status, res.reason, a.sdp);
      }
      c.respond(leg, req, tx, res.status, res.reason);
      // RFC 3261 §12.2.1.2: 481/408 to a request inside the dialog: that dialog is gone, so is the call.
      if (res.status === 481 || res.status === 408) c.lost(leg, `${req.method} ${res.status}`);
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
