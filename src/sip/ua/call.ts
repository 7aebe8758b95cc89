// One call of the test user agent: the INVITE dialog and what can be done in it (RFC 3261 §13-15,
// RFC 3311 UPDATE, INFO DTMF).
import { createResponse, formatUri, type SipRequest, type SipResponse } from '../message.ts';
import type { Dialog } from '../dialog/dialog.ts';
import type { UacInvite } from '../dialog/uac-invite.ts';
import type { Uas2xxRetransmitter } from '../dialog/uas-2xx.ts';
import type { ServerTransaction } from '../transaction/types.ts';
import { formatDtmfRelay, DTMF_RELAY } from './dtmf.ts';

export type CallState = 'calling' | 'ringing' | 'established' | 'terminated';
export type CallEnd = { by: 'local' | 'remote'; status?: number; reason: string };

/** What a Call needs from its user agent (kept narrow so the Call does not own the UA). */
export interface CallHost {
  /** Send an in-dialog request in its own client transaction; resolves with the final response. */
  sendInDialog(dialog: Dialog, req: SipRequest): Promise<SipResponse>;
  /** re-INVITE in the dialog with a new offer; ACKs the 2xx (RFC 3261 §14.1). */
  reinvite(call: Call, sdp: string | undefined, answerInAck?: (offer: string) => string): Promise<SipResponse>;
  forget(call: Call): void;
}

/** What an incoming call needs from its user agent in addition. */
export interface IncomingCallHost extends CallHost {
  provisional(call: IncomingCall, status: number): void;
  answer(call: IncomingCall, sdp?: string): Promise<boolean>;
}

export class Call {
  readonly direction: 'outgoing' | 'incoming';
  readonly callId: string;
  state: CallState;
  dialog: Dialog | undefined;
  localSdp: string | undefined;
  remoteSdp: string | undefined;
  /** Set for outgoing calls. */
  uac: UacInvite | undefined;
  /** Set for incoming calls until answered/rejected. */
  serverTx: ServerTransaction | undefined;
  retransmitter: Uas2xxRetransmitter | undefined;
  readonly dtmf: string[] = [];
  /** Outgoing call hung up before the answer: CANCEL sent (or pending until a provisional response). */
  cancelRequested = false;
  readonly infos: SipRequest[] = [];
  /** Statuses of the provisional responses an outgoing call received, in order. */
  readonly provisionals: number[] = [];
  /**
   * Answers an in-dialog request instead of the default handling when it returns a response (tests of the peer's
   * error handling, e.g. a 422 to a session refresh).
   */
  inDialogHook: ((req: SipRequest) => { status: number; reason?: string; headers?: Array<[string, string]> } | undefined) | undefined;
  readonly #host: CallHost;
  readonly #ended: Promise<CallEnd>;
  #resolveEnded!: (e: CallEnd) => void;
  readonly #dtmfCbs: Array<(digit: string) => void> = [];
  /** Final status of the INVITE (outgoing): 200 or the failure status. */
  established: Promise<{ ok: true } | { ok: false; status: number; reason: string }>;
  resolveEstablished!: (r: { ok: true } | { ok: false; status: number; reason: string }) => void;

  constructor(host: CallHost, direction: 'outgoing' | 'incoming', callId: string) {
    this.#host = host;
    this.direction = direction;
    this.callId = callId;
    this.state = direction === 'outgoing' ? 'calling' : 'ringing';
    this.#ended = new Promise((r) => (this.#resolveEnded = r));
    this.established = new Promise((r) => (this.resolveEstablished = r));
  }

  get ended(): Promise<CallEnd> {
    return this.#ended;
  }

  onDtmf(cb: (digit: string) => void): void {
    this.#dtmfCbs.push(cb);
  }

  /** Hang up: BYE when established, CANCEL while an outgoing call rings, 486 for an unanswered incoming call. */
  async hangup(): Promise<number> {
    if (this.state === 'terminated') return 0;
    if (this.state !== 'established' || !this.dialog) {
      if (this.direction === 'outgoing') {
        this.cancelRequested = true;
        this.uac?.cancel();
        return 0;
      }
      return this.reject(486, 'Busy Here');
    }
    const bye = this.dialog.createRequest('BYE');
    this.end({ by: 'local', reason: 'BYE' });
    const res = await this.#host.sendInDialog(this.dialog, bye);
    return res.status;
  }

  /** DTMF digit via INFO with application/dtmf-relay. Resolves with the response status. */
  async info(digit: string, durationMs = 160): Promise<number> {
    return this.request('INFO', { body: formatDtmfRelay(digit, durationMs), contentType: DTMF_RELAY });
  }

  /** Any in-dialog request (re-INVITE is not handled here: use reinvite). */
  async request(method: string, o: { body?: string; contentType?: string; headers?: Array<[string, string]> } = {}): Promise<number> {
    if (!this.dialog || this.state !== 'established') throw new Error(`call not established (${this.state})`);
    const req = this.dialog.createRequest(method, o);
    const res = await this.#host.sendInDialog(this.dialog, req);
    if (res.status === 481 || res.status === 408) this.end({ by: 'remote', status: res.status, reason: res.reason });
    return res.status;
  }

  /**
   * re-INVITE (session refresh / hold / new offer). Resolves with the final status. Without `sdp` the 2xx brings
   * an offer; `answerInAck` makes the answer the ACK carries (none when omitted).
   */
  async reinvite(sdp?: string, answerInAck?: (offer: string) => string): Promise<number> {
    if (!this.dialog || this.state !== 'established') throw new Error(`call not established (${this.state})`);
    if (sdp !== undefined) this.localSdp = sdp;
    const answer = answerInAck ? (offer: string) => (this.localSdp = answerInAck(offer)) : undefined;
    const res = await this.#host.reinvite(this, sdp, answer);
    if (res.status >= 200 && res.status < 300 && res.body.length > 0) this.remoteSdp = res.body.toString('utf8');
    if (res.status === 481 || res.status === 408) this.end({ by: 'remote', status: res.status, reason: res.reason });
    return res.status;
  }

  /** Reject an incoming call that has not been answered. */
  reject(status = 486, reason?: string): number {
    const tx = this.serverTx;
    if (!tx || this.state === 'established' || this.state === 'terminated') return 0;
    tx.respond(rejectResponse(tx.request, status, reason, this.dialog?.localTag));
    this.end({ by: 'local', status, reason: reason ?? 'rejected' });
    return status;
  }

  /** Called by the UA for remote DTMF. */
  receivedDtmf(digit: string): void {
    this.dtmf.push(digit);
    for (const cb of this.#dtmfCbs) cb(digit);
  }

  end(e: CallEnd): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    this.retransmitter?.stop();
    if (this.dialog) this.dialog.state = 'terminated';
    this.#host.forget(this);
    this.resolveEstablished({ ok: false, status: e.status ?? 487, reason: e.reason });
    this.#resolveEnded(e);
  }
}

export class IncomingCall extends Call {
  readonly invite: SipRequest;
  readonly #ua: IncomingCallHost;

  constructor(ua: IncomingCallHost, invite: SipRequest, tx: ServerTransaction) {
    super(ua, 'incoming', invite.callId);
    this.#ua = ua;
    this.invite = invite;
    this.serverTx = tx;
    if (invite.body.length > 0) this.remoteSdp = invite.body.toString('utf8');
  }

  get from(): string {
    return formatUri(this.invite.from.uri);
  }

  /** 180 Ringing (creates the early dialog). */
  ringing(): void {
    this.#ua.provisional(this, 180);
  }

  /** 200 OK with our SDP; resolves when the ACK arrives (false when it never does). */
  answer(sdp?: string): Promise<boolean> {
    return this.#ua.answer(this, sdp);
  }
}

function rejectResponse(req: SipRequest, status: number, reason: string | undefined, tag: string | undefined): SipResponse {
  return createResponse(req, status, reason, tag !== undefined ? { toTag: tag } : undefined);
}
