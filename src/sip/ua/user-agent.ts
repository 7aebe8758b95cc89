// A small SIP user agent on top of the transaction layer, for the project's own tests: REGISTER with digest,
// calls (INVITE with SDP, answer, CANCEL, BYE), DTMF via INFO, re-INVITE/UPDATE target refresh, incoming calls.
import { randomBytes } from 'node:crypto';
import { createRequest, createResponse, formatUri, parseUri, type SipRequest, type SipResponse, type SipUri } from '../message.ts';
import { DigestClient, type DigestClientCredentials } from '../digest/client.ts';
import { dialogFromUasRequest } from '../dialog/create.ts';
import type { Dialog } from '../dialog/dialog.ts';
import { DialogStore } from '../dialog/store.ts';
import { UacInvite } from '../dialog/uac-invite.ts';
import { Uas2xxRetransmitter } from '../dialog/uas-2xx.ts';
import type { TransactionLayer } from '../transaction/layer.ts';
import type { MessageSource, SendTarget, ServerTransaction, TransportName } from '../transaction/types.ts';
import { Call, IncomingCall, type IncomingCallHost } from './call.ts';

export { Call, IncomingCall } from './call.ts';
import { DTMF_RELAY, parseDtmfRelay } from './dtmf.ts';

export interface UserAgentOptions {
  /** A transaction layer nobody else handles requests for (the UA installs its handlers). */
  layer: TransactionLayer;
  /** Address of record, e.g. 'sip:alice@example.com'. */
  aor: string;
  displayName?: string;
  /** Our reachable address: goes into Contact. */
  contact: { host: string; port: number; transport: TransportName };
  /** Outbound proxy / registrar address for requests outside dialogs (default: the Request-URI's host). */
  outbound?: SendTarget;
  credentials?: DigestClientCredentials;
  /** User-Agent header value. */
  userAgent?: string;
}

export type RegisterResult = { ok: true; expires: number; response: SipResponse } | { ok: false; status: number; reason: string };
export type IncomingCallHandler = (call: IncomingCall) => void;

export class UserAgent implements IncomingCallHost {
  readonly aor: SipUri;
  readonly layer: TransactionLayer;
  readonly dialogs = new DialogStore();
  readonly #o: UserAgentOptions;
  readonly #digest = new DigestClient();
  readonly #calls = new Map<string, Call>();
  readonly #acked = new Map<string, () => void>();
  #onCall: IncomingCallHandler | undefined;
  #cseq = 1;
  readonly #regCallId = `${randomBytes(8).toString('hex')}@ua`;
  readonly #fromTag = randomBytes(6).toString('hex');

  constructor(o: UserAgentOptions) {
    this.#o = o;
    this.layer = o.layer;
    this.aor = parseUri(o.aor);
    o.layer.onRequest((req, tx) => this.#onRequest(req, tx));
    o.layer.onAck((ack, source) => this.#onAck(ack, source));
    o.layer.onStrayResponse((res) => this.#onStray(res));
  }

  get contact(): string {
    const c = this.#o.contact;
    const host = c.host.includes(':') ? `[${c.host}]` : c.host;
    const tp = c.transport === 'UDP' ? '' : `;transport=${c.transport.toLowerCase()}`;
    return `<sip:${this.aor.user ?? 'ua'}@${host}:${c.port}${tp}>`;
  }

  get calls(): Call[] {
    return [...this.#calls.values()];
  }

  onCall(h: IncomingCallHandler): void {
    this.#onCall = h;
  }

  /** Where a request for `uri` goes: the outbound proxy, or the URI's host/port/transport. */
  targetFor(uri: SipUri): SendTarget {
    if (this.#o.outbound) return this.#o.outbound;
    const tp = uri.params.get('transport');
    const transport = (tp ? tp.toUpperCase() : this.#o.contact.transport) as TransportName;
    return { transport, host: uri.host, port: uri.port ?? (transport === 'TLS' || transport === 'WSS' ? 5061 : 5060) };
  }

  // --- registration (RFC 3261 §10.2) ---------------------------------------------------------------------

  /** REGISTER our Contact (expires 0 removes it); answers one 401/407 challenge (and a stale=true one). */
  async register(o: { registrar?: string; expires?: number } = {}): Promise<RegisterResult> {
    const registrar = o.registrar ? parseUri(o.registrar) : { ...this.aor, user: undefined, params: new Map(), headers: new Map() };
    const expires = o.expires ?? 3600;
    const build = () =>
      createRequest({
        method: 'REGISTER',
        uri: registrar as SipUri,
        headers: [
          ['Max-Forwards', '70'],
          ['From', `${this.#nameAddr()};tag=${this.#fromTag}`],
          ['To', this.#nameAddr()],
          ['Call-ID', this.#regCallId],
          ['CSeq', `${this.#cseq++} REGISTER`],
          ['Contact', this.contact],
          ['Expires', String(expires)],
          ...this.#uaHeader(),
        ],
      });
    const res = await this.#sendWithAuth(build, this.targetFor(registrar as SipUri));
    if (res.status >= 200 && res.status < 300) {
      const mine = res.headers.has('contact') ? res.contacts().find((c) => c.uri.host === this.#o.contact.host && c.uri.port === this.#o.contact.port) : undefined;
      const granted = Number(mine?.params.get('expires') ?? res.headers.get('expires') ?? expires);
      return { ok: true, expires: granted, response: res };
    }
    return { ok: false, status: res.status, reason: res.reason };
  }

  // --- outgoing calls (RFC 3261 §13.2) ---------------------------------------------------------------------

  /** Call `target` (a SIP URI). `call.established` resolves when the 2xx arrived (or with the failure). */
  invite(target: string, o: { sdp?: string; headers?: Array<[string, string]> } = {}): Call {
    const uri = parseUri(target);
    const callId = `${randomBytes(8).toString('hex')}@ua`;
    const call = new Call(this, 'outgoing', callId);
    call.localSdp = o.sdp;
    this.#calls.set(callId, call);
    const fromTag = randomBytes(6).toString('hex');
    const build = (seq: number, auth?: [string, string][]) =>
      createRequest({
        method: 'INVITE',
        uri,
        headers: [
          ['Max-Forwards', '70'],
          ['From', `${this.#nameAddr()};tag=${fromTag}`],
          ['To', `<${formatUri(uri)}>`],
          ['Call-ID', callId],
          ['CSeq', `${seq} INVITE`],
          ['Contact', this.contact],
          ['Allow', 'INVITE, ACK, CANCEL, BYE, INFO, UPDATE, PRACK, OPTIONS'],
          ...this.#uaHeader(),
          ...(o.headers ?? []),
          ...(auth ?? []),
          ...(o.sdp !== undefined ? ([['Content-Type', 'application/sdp']] as [string, string][]) : []),
        ],
        ...(o.sdp !== undefined ? { body: o.sdp } : {}),
      });
    this.#startInvite(call, build(1), build, false);
    return call;
  }

  #startInvite(call: Call, invite: SipRequest, build: (seq: number, auth?: [string, string][]) => SipRequest, retried: boolean): void {
    const target = this.targetFor(invite.uri);
    call.uac = new UacInvite({
      layer: this.layer,
      store: this.dialogs,
      invite,
      target,
      localContact: this.contact,
      targetFor: (u) => this.targetFor(u),
      handlers: {
        onProvisional: (res, d) => {
          call.provisionals.push(res.status);
          if (d) call.dialog = d;
          if (res.status === 180 || res.status === 183) call.state = 'ringing';
        },
        onEstablished: (d, res) => {
          call.dialog = d;
          if (res.body.length > 0) call.remoteSdp = res.body.toString('utf8');
          if (call.state === 'terminated' || call.cancelRequested) {
            // Hung up while the 2xx was on its way (CANCEL lost the race): end the dialog with BYE (§9.1, §15).
            void this.sendInDialog(d, d.createRequest('BYE'));
            call.end({ by: 'local', reason: 'cancelled' });
            return;
          }
          call.state = 'established';
          call.resolveEstablished({ ok: true });
        },
        onFailure: (res) => {
          if ((res.status === 401 || res.status === 407) && !retried && 'headers' in res && this.#o.credentials) {
            const next = build(invite.cseq.seq + 1);
            const a = this.#digest.answer(res.status, res.headers, { method: 'INVITE', uri: next.uriText }, this.#o.credentials);
            if (a.ok) {
              for (const v of a.values) next.headers.append(a.header, v);
              this.#startInvite(call, next, build, true);
              return;
            }
          }
          call.end({ by: call.cancelRequested ? 'local' : 'remote', status: res.status, reason: res.reason });
        },
      },
    });
  }

  // --- CallHost ------------------------------------------------------------------------------------------------

  sendInDialog(dialog: Dialog, req: SipRequest): Promise<SipResponse> {
    return this.#send(req, this.targetFor(dialog.nextHop())).then((res) => {
      dialog.receiveResponse(res, req.method);
      return res;
    });
  }

  reinvite(call: Call, sdp: string | undefined, answerInAck?: (offer: string) => string): Promise<SipResponse> {
    const d = call.dialog!;
    const req = d.createRequest('INVITE', sdp !== undefined ? { body: sdp, contentType: 'application/sdp' } : {});
    const target = this.targetFor(d.nextHop());
    return new Promise((resolve) => {
      this.layer.sendRequest(req, target, {
        onResponse: (res) => {
          if (res.status < 200) return;
          if (res.status < 300) {
            d.receiveResponse(res, 'INVITE');
            // The ACK of a 2xx is sent by the UAC core, in the dialog, with the INVITE's CSeq (§13.2.2.4).
            // An offer in the 2xx to an offer-less re-INVITE is answered in the ACK (RFC 3261 §14.1).
            const answer = sdp === undefined && answerInAck && res.body.length > 0 ? answerInAck(res.body.toString('utf8')) : undefined;
            this.layer.sendAck(d.createRequest('ACK', {
              seq: req.cseq.seq,
              ...(answer !== undefined ? { body: answer, contentType: 'application/sdp' } : {}),
            }), target);
          }
          resolve(res);
        },
        onTimeout: () => resolve(createResponse(req, 408, 'Request Timeout')),
        onTransportError: () => resolve(createResponse(req, 503, 'Service Unavailable')),
      });
    });
  }

  forget(call: Call): void {
    this.#calls.delete(call.callId);
    if (call.dialog) this.dialogs.remove(call.dialog);
  }

  // --- incoming requests ------------------------------------------------------------------------------------

  provisional(call: IncomingCall, status: number): void {
    const tx = call.serverTx;
    if (!tx || tx.state !== 'proceeding') return;
    this.#ensureUasDialog(call, 'early');
    tx.respond(createResponse(call.invite, status, undefined, { toTag: call.dialog!.localTag, headers: [['Contact', this.contact]] }));
  }

  answer(call: IncomingCall, sdp?: string): Promise<boolean> {
    const tx = call.serverTx;
    if (!tx || tx.state !== 'proceeding' || call.state === 'terminated') return Promise.resolve(false);
    const d = this.#ensureUasDialog(call, 'confirmed');
    d.state = 'confirmed';
    call.localSdp = sdp;
    call.state = 'established';
    call.resolveEstablished({ ok: true });
    const res = createResponse(call.invite, 200, undefined, {
      toTag: d.localTag,
      headers: [
        ['Contact', this.contact],
        ...call.invite.headers.getAll('record-route').map((v): [string, string] => ['Record-Route', v]),
        ...(sdp !== undefined ? ([['Content-Type', 'application/sdp']] as [string, string][]) : []),
      ],
      ...(sdp !== undefined ? { body: sdp } : {}),
    });
    return new Promise((resolve) => {
      this.#acked.set(d.key, () => resolve(true));
      // RFC 3261 §13.3.1.4: retransmit the 2xx until the ACK; without ACK, end the dialog with BYE.
      call.retransmitter = new Uas2xxRetransmitter(this.layer.clock, this.layer.timers, tx, res, () => {
        this.#acked.delete(d.key);
        resolve(false);
        void call.hangup();
      });
    });
  }

  #ensureUasDialog(call: IncomingCall, state: 'early' | 'confirmed'): Dialog {
    if (call.dialog) return call.dialog;
    const d = dialogFromUasRequest(call.invite, randomBytes(6).toString('hex'), this.contact, state, Math.floor(Math.random() * 1000) + 1);
    if (!d) throw new Error('INVITE without From tag or Contact cannot form a dialog');
    this.dialogs.add(d);
    call.dialog = d;
    return d;
  }

  #onRequest(req: SipRequest, tx: ServerTransaction): void {
    const m = this.dialogs.matchRequest(req);
    if (m.kind === 'unknown') {
      tx.respond(createResponse(req, m.status, m.reason, { toTag: req.to.params.get('tag') ?? undefined }));
      return;
    }
    if (m.kind === 'dialog') {
      if (!m.check.ok) {
        tx.respond(createResponse(req, m.check.status, m.check.reason));
        return;
      }
      return this.#inDialog(req, tx, m.dialog);
    }
    switch (req.method) {
      case 'INVITE':
        return this.#incomingInvite(req, tx);
      case 'OPTIONS':
        tx.respond(createResponse(req, 200, undefined, { toTag: randomBytes(4).toString('hex'), headers: [['Allow', 'INVITE, ACK, CANCEL, BYE, INFO, UPDATE, PRACK, OPTIONS']] }));
        return;
      default:
        tx.respond(createResponse(req, 405, undefined, { toTag: randomBytes(4).toString('hex'), headers: [['Allow', 'INVITE, ACK, CANCEL, BYE, INFO, UPDATE, PRACK, OPTIONS']] }));
    }
  }

  #incomingInvite(req: SipRequest, tx: ServerTransaction): void {
    const call = new IncomingCall(this, req, tx);
    this.#calls.set(req.callId, call);
    // RFC 3261 §9.2: CANCEL before we answered → 487 to the INVITE (the layer already said 200 to the CANCEL).
    tx.onCancel(() => call.reject(487, 'Request Terminated'));
    if (!this.#onCall) {
      call.reject(480, 'Temporarily Unavailable');
      return;
    }
    this.#onCall(call);
  }

  #inDialog(req: SipRequest, tx: ServerTransaction, dialog: Dialog): void {
    const call = this.#calls.get(req.callId);
    const custom = call?.inDialogHook?.(req);
    if (custom) {
      tx.respond(createResponse(req, custom.status, custom.reason, { headers: custom.headers ?? [] }));
      return;
    }
    const ok = (body?: string) =>
      tx.respond(createResponse(req, 200, undefined, {
        headers: [['Contact', this.contact], ...(body !== undefined ? ([['Content-Type', 'application/sdp']] as [string, string][]) : [])],
        ...(body !== undefined ? { body } : {}),
      }));
    switch (req.method) {
      case 'BYE':
        tx.respond(createResponse(req, 200));
        call?.end({ by: 'remote', reason: 'BYE' });
        return;
      case 'INFO': {
        if ((req.contentType ?? '').toLowerCase().startsWith(DTMF_RELAY)) {
          const d = parseDtmfRelay(req.body.toString('utf8'));
          if (d) call?.receivedDtmf(d.digit);
        }
        call?.infos.push(req);
        tx.respond(createResponse(req, 200));
        return;
      }
      case 'INVITE': // re-INVITE: target refreshed by the dialog; answer with our current SDP
      case 'UPDATE':
        if (req.body.length > 0 && call) call.remoteSdp = req.body.toString('utf8');
        if (req.method === 'INVITE') {
          const res = createResponse(req, 200, undefined, {
            headers: [['Contact', this.contact], ...(call?.localSdp !== undefined ? ([['Content-Type', 'application/sdp']] as [string, string][]) : [])],
            ...(call?.localSdp !== undefined ? { body: call.localSdp } : {}),
          });
          const acked = dialog.key;
          this.#acked.set(acked, () => undefined);
          if (call) call.retransmitter = new Uas2xxRetransmitter(this.layer.clock, this.layer.timers, tx, res, () => this.#acked.delete(acked));
          else tx.respond(res);
          return;
        }
        return ok(call?.localSdp);
      default:
        // PRACK, NOTIFY, MESSAGE…: accepted; a B2BUA relays PRACK end to end, this UA just acknowledges it.
        tx.respond(createResponse(req, 200));
    }
  }

  #onAck(ack: SipRequest, _source: MessageSource): void {
    const local = ack.to.params.get('tag');
    const remote = ack.from.params.get('tag');
    if (!local || !remote) return;
    const d = this.dialogs.get(ack.callId, local, remote);
    if (!d) return;
    const call = this.#calls.get(ack.callId);
    call?.retransmitter?.stop();
    const cb = this.#acked.get(d.key);
    this.#acked.delete(d.key);
    cb?.();
  }

  #onStray(res: SipResponse): void {
    if (res.cseq.method !== 'INVITE' || res.status < 200 || res.status >= 300) return;
    this.#calls.get(res.callId)?.uac?.handleStray2xx(res);
  }

  // --- helpers ----------------------------------------------------------------------------------------------

  #nameAddr(): string {
    const dn = this.#o.displayName ? `"${this.#o.displayName.replace(/["\\]/g, '')}" ` : '';
    return `${dn}<${formatUri(this.aor)}>`;
  }

  #uaHeader(): Array<[string, string]> {
    return this.#o.userAgent ? [['User-Agent', this.#o.userAgent]] : [];
  }

  /** One client transaction; resolves with its final response (a local 408/503 on timeout/transport error). */
  #send(req: SipRequest, target: SendTarget): Promise<SipResponse> {
    return new Promise((resolve) => {
      this.layer.sendRequest(req, target, {
        onResponse: (res) => {
          if (res.status >= 200) resolve(res);
        },
        onTimeout: () => resolve(createResponse(req, 408, 'Request Timeout')),
        onTransportError: () => resolve(createResponse(req, 503, 'Service Unavailable')),
      });
    });
  }

  /** Send; on 401/407 answer the challenge once (twice when the second is stale=true), RFC 3261 §22.2. */
  async #sendWithAuth(build: () => SipRequest, target: SendTarget): Promise<SipResponse> {
    let req = build();
    let res = await this.#send(req, target);
    for (let attempt = 0; attempt < 2 && (res.status === 401 || res.status === 407) && this.#o.credentials; attempt++) {
      const stale = attempt > 0 && /stale\s*=\s*"?true/i.test(res.headers.get(res.status === 401 ? 'www-authenticate' : 'proxy-authenticate') ?? '');
      if (attempt > 0 && !stale) break;
      const next = build();
      const a = this.#digest.answer(res.status, res.headers, { method: next.method, uri: next.uriText, body: next.body }, this.#o.credentials);
      if (!a.ok) break;
      for (const v of a.values) next.headers.append(a.header, v);
      req = next;
      res = await this.#send(req, target);
    }
    return res;
  }
}
