// Dialog state (RFC 3261 §12): identity, route set, local/remote CSeq, remote target; building in-dialog
// requests (§12.2.1.1) and checking received ones (§12.2.2).
import { createRequest, formatUri, parseNameAddr, type SipRequest, type SipResponse, type SipUri } from '../message.ts';

export type DialogState = 'early' | 'confirmed' | 'terminated';

export interface DialogInit {
  role: 'uac' | 'uas';
  state: 'early' | 'confirmed';
  callId: string;
  localTag: string;
  remoteTag: string;
  /** From (UAC) / To (UAS) value as it appears in our requests, with our tag. */
  localParty: string;
  /** The peer's From/To value with its tag. */
  remoteParty: string;
  localSeq: number;
  remoteSeq: number | undefined;
  remoteTarget: SipUri;
  /** Route set as name-addr strings, in the order to put in Route (§12.1.1 UAS order, §12.1.2 UAC reversed). */
  routeSet: string[];
  /** Our Contact value (sent in target-refresh requests). */
  localContact: string;
}

export type InDialogCheck = { ok: true } | { ok: false; status: 500; reason: string; code: 'SIP_ERR_CSEQ_OUT_OF_ORDER' };

/** RFC 3261 §12.2.1.2 / RFC 3311 §5: requests whose 2xx (and which themselves) refresh the remote target. */
const TARGET_REFRESH = new Set(['INVITE', 'UPDATE', 'SUBSCRIBE', 'NOTIFY', 'REFER']);

export function dialogKey(callId: string, localTag: string, remoteTag: string): string {
  return `${callId}\u0000${localTag}\u0000${remoteTag}`;
}

export class Dialog {
  readonly role: 'uac' | 'uas';
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  readonly localParty: string;
  readonly remoteParty: string;
  readonly localContact: string;
  state: DialogState;
  localSeq: number;
  remoteSeq: number | undefined;
  remoteTarget: SipUri;
  routeSet: string[];

  constructor(i: DialogInit) {
    this.role = i.role;
    this.state = i.state;
    this.callId = i.callId;
    this.localTag = i.localTag;
    this.remoteTag = i.remoteTag;
    this.localParty = i.localParty;
    this.remoteParty = i.remoteParty;
    this.localSeq = i.localSeq;
    this.remoteSeq = i.remoteSeq;
    this.remoteTarget = i.remoteTarget;
    this.routeSet = [...i.routeSet];
    this.localContact = i.localContact;
  }

  get terminated(): boolean {
    return this.state === 'terminated';
  }

  get key(): string {
    return dialogKey(this.callId, this.localTag, this.remoteTag);
  }

  /**
   * RFC 3261 §12.2.1.1: in-dialog request. CSeq is the next local number (ACK reuses the INVITE's: pass `seq`).
   * Loose routing: R-URI = remote target, Route = route set. Strict routing (first route without ;lr):
   * R-URI = first route, Route = rest of the set + remote target.
   */
  createRequest(
    method: string,
    o: { seq?: number; body?: Buffer | string; contentType?: string; headers?: Array<[string, string]> } = {},
  ): SipRequest {
    const seq = o.seq ?? ++this.localSeq;
    let uri: SipUri = this.remoteTarget;
    let routes = this.routeSet;
    const first = routes[0];
    if (first !== undefined) {
      const r = parseNameAddr(first, 'SIP_ERR_BAD_NAME_ADDR');
      if (!r.uri.params.has('lr')) {
        uri = r.uri;
        routes = [...routes.slice(1), `<${formatUri(this.remoteTarget)}>`];
      }
    }
    const headers: Array<[string, string]> = [['Max-Forwards', '70']];
    for (const r of routes) headers.push(['Route', r]);
    headers.push(['From', this.localParty], ['To', this.remoteParty], ['Call-ID', this.callId], ['CSeq', `${seq} ${method}`]);
    if (method !== 'ACK' && method !== 'BYE' && method !== 'CANCEL') headers.push(['Contact', this.localContact]);
    if (o.contentType !== undefined) headers.push(['Content-Type', o.contentType]);
    if (o.headers) headers.push(...o.headers);
    return createRequest({ method, uri: { ...uri, params: new Map(uri.params), headers: new Map() }, headers, ...(o.body !== undefined ? { body: o.body } : {}) });
  }

  /** First hop for requests in this dialog (§8.1.2): the first Route, else the remote target. */
  nextHop(): SipUri {
    const first = this.routeSet[0];
    return first !== undefined ? parseNameAddr(first, 'SIP_ERR_BAD_NAME_ADDR').uri : this.remoteTarget;
  }

  /**
   * RFC 3261 §12.2.2: a request in this dialog. Lower CSeq than the last one → 500 (out of order).
   * Target refresh requests with a Contact replace the remote target. ACK and CANCEL reuse the INVITE's
   * number and are not checked.
   */
  receiveRequest(req: SipRequest): InDialogCheck {
    const { seq } = req.cseq;
    if (req.method !== 'ACK' && req.method !== 'CANCEL') {
      if (this.remoteSeq !== undefined && seq < this.remoteSeq)
        return { ok: false, status: 500, reason: 'CSeq Out Of Order', code: 'SIP_ERR_CSEQ_OUT_OF_ORDER' };
      this.remoteSeq = seq;
    }
    if (TARGET_REFRESH.has(req.method)) this.#refreshTarget(req);
    if (req.method === 'BYE') this.state = 'terminated';
    return { ok: true };
  }

  /** A response to a request we sent in (or creating) this dialog: 2xx confirm and refresh the target. */
  receiveResponse(res: SipResponse, method: string): void {
    if (res.status >= 200 && res.status < 300) {
      if (this.state === 'early' && method === 'INVITE') {
        this.state = 'confirmed';
        // The 2xx's Record-Route is authoritative for the confirmed dialog (proxies may differ from the 1xx).
        if (res.headers.has('record-route')) this.routeSet = res.headers.getAll('record-route').reverse();
      }
      if (TARGET_REFRESH.has(method)) this.#refreshTarget(res);
    } else if (res.status >= 300 && this.state === 'early' && method === 'INVITE') {
      this.state = 'terminated';
    }
    // RFC 3261 §12.2.1.2: 481 or 408 to an in-dialog request ends the dialog.
    if ((res.status === 481 || res.status === 408) && method !== 'INVITE') this.state = 'terminated';
  }

  #refreshTarget(m: SipRequest | SipResponse): void {
    if (!m.headers.has('contact')) return;
    const c = m.contacts()[0];
    if (c && !c.star) this.remoteTarget = c.uri;
  }
}
