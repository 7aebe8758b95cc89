// The session timers (RFC 4028) of one call: one LegSessionTimer per leg that negotiated one, the refreshes we
// send where we are the refresher (§7.4: UPDATE without a body when the peer allows UPDATE, else a re-INVITE
// repeating the SDP we last sent on the leg), and the refreshes we receive (any 2xx to a re-INVITE/UPDATE on the
// leg, §10). A 422 to our refresh is retried once with the peer's Min-SE. A leg whose session expires ends the whole
// call.
import { createResponse, type SipRequest, type SipResponse } from '../sip/message.ts';
import type { Dialog } from '../sip/dialog/dialog.ts';
import type { SessionHost } from './session-host.ts';
import type { Leg, LegSignals } from './leg-signals.ts';
import { fromUacResponse, LegSessionTimer, negotiateUas, retryMinSe, uasResponseHeaders, type LegTimerSpec } from './session-timer.ts';

export interface CallTimersContext {
  host: SessionHost;
  legs: LegSignals;
  enqueue(fn: () => void | Promise<void>): void;
  confirmed(): boolean;
  /** An offer/answer exchange is in progress on the call (no refresh of ours may overlap it). */
  busy(): boolean;
  setBusy(v: boolean): void;
  /** The session of `leg` is over: BYE both legs, end the call. */
  expired(leg: Leg, why: string): void;
}

export class CallTimers {
  readonly #c: CallTimersContext;
  readonly #timers: Partial<Record<Leg, LegSessionTimer>> = {};
  /** the largest Min-SE a 422 to our refresh carried, per leg: repeated in every later refresh (§7.4) */
  readonly #peerMinSe: Partial<Record<Leg, number>> = {};
  readonly #peer: Record<Leg, { allowsUpdate: boolean; supportsTimer: boolean }> = {
    a: { allowsUpdate: false, supportsTimer: false },
    b: { allowsUpdate: false, supportsTimer: true },
  };

  constructor(c: CallTimersContext) {
    this.#c = c;
  }

  spec(leg: Leg): LegTimerSpec | undefined {
    return this.#timers[leg]?.spec;
  }

  /** The leg is up with `spec` (or without a timer); what its peer supports decides how we refresh it. */
  start(leg: Leg, spec: LegTimerSpec | undefined, peer: { allowsUpdate: boolean; supportsTimer: boolean }): void {
    this.#peer[leg] = peer;
    if (!spec) return;
    this.#timers[leg] = new LegSessionTimer(this.#c.host.clock, spec, {
      refresh: () => this.#c.enqueue(() => this.#sendRefresh(leg)),
      // §10: no refresh before the session expired: the session is over, on both legs.
      expired: () => this.#c.enqueue(() => this.#c.expired(leg, 'session expired')),
    });
  }

  /** A 2xx to a re-INVITE/UPDATE on `leg` (either direction) refreshed it. */
  refreshed(leg: Leg): void {
    this.#timers[leg]?.refreshed();
  }

  /** Headers of our 2xx to a re-INVITE/UPDATE from the peer of `leg`, which also refreshes that leg (§9, §10). */
  answerRefresh(leg: Leg, req: SipRequest): Array<[string, string]> {
    const timer = this.#timers[leg];
    if (!timer) return [];
    const t = negotiateUas(req.headers, this.#c.host.sessionTimers);
    timer.refreshed(t.ok ? t.spec : undefined);
    return uasResponseHeaders(timer.spec, this.#peer[leg].supportsTimer);
  }

  stop(): void {
    for (const t of Object.values(this.#timers)) t?.stop();
  }

  #sendRefresh(leg: Leg): void {
    const c = this.#c;
    const timer = this.#timers[leg];
    const d = c.legs.dialog(leg);
    if (!c.confirmed() || !timer || !d || d.state === 'terminated') return;
    // An offer/answer already in progress refreshes the leg when it completes; the expiry timer still runs.
    if (c.busy()) return;
    c.setBusy(true);
    const attempt = (spec: LegTimerSpec, retried: boolean): void =>
      this.#send(d, spec, this.#peerMinSe[leg], this.#peer[leg].allowsUpdate, c.legs.lastSdp(leg), (res) =>
        c.enqueue(() => {
          if (!c.confirmed() || d.state === 'terminated') return c.setBusy(false);
          // §7.4 / §6: 422 says our interval is below the peer's Min-SE: the refresh goes again, once, with it.
          const minSe = res.status === 422 ? retryMinSe(res.headers) : undefined;
          if (!retried && minSe !== undefined && minSe > spec.intervalS) {
            this.#peerMinSe[leg] = Math.max(minSe, this.#peerMinSe[leg] ?? 0);
            return attempt({ ...spec, intervalS: minSe }, true);
          }
          c.setBusy(false);
          if (res.status >= 200 && res.status < 300) return timer.refreshed(fromUacResponse(res.headers) ?? spec);
          // RFC 3261 §12.2.1.2: 481/408 mean the dialog is gone; other failures leave it to the expiry timer.
          if (res.status === 481 || res.status === 408) c.expired(leg, `session refresh ${res.status}`);
        }),
      );
    attempt(timer.spec, false);
  }

  #send(d: Dialog, spec: LegTimerSpec, minSe: number | undefined, useUpdate: boolean, sdp: string | undefined, done: (res: SipResponse) => void): void {
    const host = this.#c.host;
    const method = useUpdate || sdp === undefined ? 'UPDATE' : 'INVITE';
    const headers: Array<[string, string]> = [['Session-Expires', `${spec.intervalS};refresher=uac`], ['Supported', 'timer']];
    if (minSe !== undefined) headers.push(['Min-SE', String(minSe)]);
    const req = d.createRequest(method, method === 'INVITE' ? { headers, body: sdp!, contentType: 'application/sdp' } : { headers });
    const target = host.targetFor(d.nextHop());
    let finished = false;
    const final = (res: SipResponse) => {
      if (finished) return;
      finished = true;
      done(res);
    };
    host.layer.sendRequest(req, target, {
      onResponse: (res) => {
        if (res.status < 200) return;
        d.receiveResponse(res, method);
        // RFC 3261 §13.2.2.4: the ACK of a 2xx to our re-INVITE is ours to send.
        if (method === 'INVITE' && res.status < 300) host.layer.sendAck(d.createRequest('ACK', { seq: req.cseq.seq }), target);
        final(res);
      },
      onTimeout: () => final(createResponse(req, 408, 'Request Timeout')),
      onTransportError: () => final(createResponse(req, 503, 'Service Unavailable')),
    });
  }
}
