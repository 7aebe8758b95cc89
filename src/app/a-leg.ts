// The A leg of a call: the caller's INVITE as the edge relayed it, the server transaction we answer it in, our
// To tag, and the dialog our 1xx/2xx create (RFC 3261 §12.1.1).
import { createResponse, type SipRequest, type SipResponse } from '../sip/message.ts';
import { dialogFromUasRequest } from '../sip/dialog/create.ts';
import type { Dialog } from '../sip/dialog/dialog.ts';
import type { ServerTransaction } from '../sip/transaction/types.ts';
import { ALLOW } from './b-leg.ts';
import { randomHex } from '../sip/random.ts';

export class ALeg {
  readonly invite: SipRequest;
  readonly tx: ServerTransaction;
  readonly tag = randomHex(6);
  /** The caller's From tag: the media engine knows the A side by it. */
  readonly remoteTag: string;
  readonly #contact: string;
  readonly #onDialog: (d: Dialog) => void;
  #dialog: Dialog | undefined;

  constructor(invite: SipRequest, tx: ServerTransaction, contact: string, onDialog: (d: Dialog) => void) {
    this.invite = invite;
    this.tx = tx;
    this.remoteTag = invite.from.params.get('tag') ?? '';
    this.#contact = contact;
    this.#onDialog = onDialog;
  }

  get dialog(): Dialog | undefined {
    return this.#dialog;
  }

  /** The dialog our first 1xx/2xx with a tag creates (early, confirmed by the 2xx). */
  ensureDialog(): Dialog {
    if (this.#dialog) return this.#dialog;
    const d = dialogFromUasRequest(this.invite, this.tag, this.#contact, 'early', 1);
    if (!d) throw new Error('A-leg INVITE cannot form a dialog (no From tag or Contact)');
    this.#dialog = d;
    this.#onDialog(d);
    return d;
  }

  response(status: number, reason: string, o: { sdp?: string; headers?: Array<[string, string]> } = {}): SipResponse {
    const headers: Array<[string, string]> = [];
    if (status > 100 && status < 300) {
      this.ensureDialog();
      headers.push(['Contact', this.#contact]);
      // RFC 3261 §12.1.1: dialog-creating responses copy the request's Record-Route.
      for (const rr of this.invite.headers.getAll('record-route')) headers.push(['Record-Route', rr]);
      if (status >= 200) headers.push(['Allow', ALLOW]);
    }
    if (o.headers) headers.push(...o.headers);
    if (o.sdp !== undefined) headers.push(['Content-Type', 'application/sdp']);
    return createResponse(this.invite, status, reason, { toTag: this.tag, headers, ...(o.sdp !== undefined ? { body: o.sdp } : {}) });
  }

  /** Responds while the INVITE transaction still takes responses (after a 2xx or a final error it does not). */
  respond(status: number, reason: string, o: { sdp?: string; headers?: Array<[string, string]> } = {}): boolean {
    if (this.tx.state !== 'proceeding') return false;
    this.tx.respond(this.response(status, reason, o));
    return true;
  }
}
