// The UAC side of an INVITE (RFC 3261 §13.2.2): early dialogs from 1xx with a To tag, confirmation by 2xx,
// the ACK for every 2xx (and its retransmissions), and forking: each further 2xx gets its own dialog,
// which is ACKed and then ended with BYE (§13.2.2.4) unless the TU wants it.
import { parseMessage, SipRequest, type SipResponse, type SipUri } from '../message.ts';
import { ownString } from '../own-string.ts';
import type { TransactionLayer } from '../transaction/layer.ts';
import type { ClientTransaction, SendTarget } from '../transaction/types.ts';
import { dialogFromUacResponse } from './create.ts';
import type { Dialog } from './dialog.ts';
import type { DialogStore } from './store.ts';

export interface UacInviteHandlers {
  onProvisional?(res: SipResponse, early: Dialog | undefined): void;
  /** The first 2xx: the call is up. */
  onEstablished?(dialog: Dialog, res: SipResponse): void;
  /** A 2xx from another fork after the first. Return true to keep the dialog; default: ACK + BYE. */
  onExtraDialog?(dialog: Dialog, res: SipResponse): boolean;
  /** Final non-2xx (or local 408 on timeout, 503 on transport error) with no 2xx before it. */
  onFailure?(res: SipResponse | { status: number; reason: string }): void;
  /** Body for the ACK of a 2xx (offer/answer with an offer-less INVITE). */
  ackBody?(res: SipResponse): { body: Buffer | string; contentType: string } | undefined;
}

export class UacInvite {
  readonly invite: SipRequest;
  readonly tx: ClientTransaction;
  readonly early = new Map<string, Dialog>();
  confirmed: Dialog | undefined;
  readonly #layer: TransactionLayer;
  readonly #store: DialogStore;
  readonly #localContact: string;
  readonly #targetFor: (uri: SipUri) => SendTarget;
  #h: UacInviteHandlers;
  /** ACK per remote tag, resent for 2xx retransmissions (§13.2.2.4); after release() kept as its bytes only. */
  readonly #acks = new Map<string, { ack: SipRequest | Buffer; target: SendTarget }>();
  #failed = false;
  #released = false;

  constructor(o: {
    layer: TransactionLayer;
    store: DialogStore;
    invite: SipRequest;
    target: SendTarget;
    localContact: string;
    /** Where in-dialog requests (ACK, BYE) go for a dialog's next hop; default: the INVITE's target. */
    targetFor?: (uri: SipUri) => SendTarget;
    handlers?: UacInviteHandlers;
  }) {
    this.#layer = o.layer;
    this.#store = o.store;
    this.invite = o.invite;
    this.#localContact = o.localContact;
    // no closure made here may mention `o`: V8 would keep `o` (and the caller's closures in it) in the context
    // shared by every closure of this constructor, which the transaction holds for 64*T1 after the call
    const target = o.target;
    this.#targetFor = o.targetFor ?? (() => target);
    this.#h = o.handlers ?? {};
    this.tx = o.layer.sendRequest(o.invite, o.target, {
      onResponse: (res) => this.#onResponse(res),
      onTimeout: () => this.#fail({ status: 408, reason: 'Request Timeout' }),
      onTransportError: () => this.#fail({ status: 503, reason: 'Service Unavailable' }),
    });
  }

  cancel(): void {
    this.tx.cancel();
  }

  /**
   * The TU is done (its call ended). The transaction still waits in Accepted for 64*T1 and calls back for 2xx
   * retransmissions, so everything the TU handed over is dropped here: its handlers and their closures (with them
   * the whole ended call) and the dialogs. What stays is what answers late 2xx: the ACKs already sent are sent
   * again, and a 2xx of another fork is ACKed and ended with BYE (§13.2.2.4). `targetFor` stays: the owner must
   * pass one that does not hold the call (a bound method of a long-lived object).
   */
  release(): void {
    this.#released = true;
    this.#h = {};
    this.#endEarly();
    this.confirmed = undefined;
    for (const a of this.#acks.values()) {
      const ack = a.ack;
      if (ack instanceof SipRequest) a.ack = ack.toBuffer();
    }
  }

  /** Sends the ACK of the dialog with this remote tag again (§13.2.2.4); false when there is none. */
  #resendAck(tag: string | undefined): boolean {
    const a = tag === undefined ? undefined : this.#acks.get(tag);
    if (!a) return false;
    let ack = a.ack;
    if (!(ack instanceof SipRequest)) a.ack = ack = parseMessage(ack) as SipRequest; // rare: only when an ACK was lost
    this.#layer.sendAck(ack, a.target);
    return true;
  }

  /** A 2xx that arrived after the transaction ended (stray): ACK it again if we know the dialog. */
  handleStray2xx(res: SipResponse): boolean {
    return this.#resendAck(res.to.params.get('tag') || undefined);
  }

  #onResponse(res: SipResponse): void {
    const tag = res.to.params.get('tag') ?? undefined;
    if (res.status < 200) {
      let d: Dialog | undefined;
      if (tag && res.status > 100 && !this.#released) {
        d = this.early.get(tag);
        if (!d) {
          d = dialogFromUacResponse(this.invite, res, this.#localContact);
          if (d) {
            this.early.set(tag, d);
            this.#store.add(d);
          }
        } else d.receiveResponse(res, 'INVITE');
      }
      this.#h.onProvisional?.(res, d);
      return;
    }
    if (res.status < 300) return this.#on2xx(res, tag);
    this.#fail(res);
  }

  #on2xx(res: SipResponse, tag: string | undefined): void {
    if (!tag) return; // a 2xx without To tag cannot form a dialog: ignore (malformed peer)
    // Retransmitted 2xx: the previous ACK was lost, send it again (§13.2.2.4).
    if (this.#resendAck(tag)) return;
    let d = this.early.get(tag);
    if (d) d.receiveResponse(res, 'INVITE');
    else {
      d = dialogFromUacResponse(this.invite, res, this.#localContact);
      if (!d) return;
      this.#store.add(d);
    }
    this.early.delete(tag);
    const body = this.#h.ackBody?.(res);
    const ack = d.createRequest('ACK', {
      seq: this.invite.cseq.seq,
      ...(body ? { body: body.body, contentType: body.contentType } : {}),
    });
    const target = this.#targetFor(d.nextHop());
    this.#acks.set(ownString(tag), { ack, target }); // not a slice of the 2xx's text: kept until Timer M (own-string.ts)
    this.#layer.sendAck(ack, target);
    if (!this.confirmed && !this.#released) {
      this.confirmed = d;
      // Early dialogs of other forks stay until their own final response or the transaction ends.
      this.#h.onEstablished?.(d, res);
      return;
    }
    if (this.#h.onExtraDialog?.(d, res)) return;
    // §13.2.2.4: "the UAC core MUST ... send a BYE" for dialogs it does not want.
    const bye = d.createRequest('BYE');
    d.state = 'terminated';
    this.#store.remove(d);
    this.#layer.sendRequest(bye, target, {});
  }

  /** Every early dialog ends: a non-2xx final, a timeout or transport error (§12.3, §13.2.2.3), or release(). */
  #endEarly(): void {
    for (const d of this.early.values()) {
      d.state = 'terminated';
      this.#store.remove(d);
    }
    this.early.clear();
  }

  #fail(res: SipResponse | { status: number; reason: string }): void {
    this.#endEarly();
    if (this.confirmed || this.#failed) return;
    this.#failed = true;
    this.#h.onFailure?.(res);
  }
}
