// Dialog creation (RFC 3261 §12.1.1 UAS, §12.1.2 UAC).
import type { SipRequest, SipResponse } from '../message.ts';
import { Dialog } from './dialog.ts';

/**
 * §12.1.2: the UAC's dialog from a 1xx-with-tag (early) or 2xx (confirmed): route set = Record-Route of the
 * response in reverse order, remote target = its Contact, local CSeq = the INVITE's, remote CSeq empty.
 */
export function dialogFromUacResponse(req: SipRequest, res: SipResponse, localContact: string): Dialog | undefined {
  const remoteTag = res.to.params.get('tag');
  const localTag = req.from.params.get('tag');
  const contact = res.headers.has('contact') ? res.contacts()[0] : undefined;
  if (!remoteTag || !localTag) return undefined;
  return new Dialog({
    role: 'uac',
    state: res.status >= 200 ? 'confirmed' : 'early',
    callId: req.callId,
    localTag,
    remoteTag,
    localParty: req.headers.get('from')!,
    remoteParty: res.headers.get('to')!,
    localSeq: req.cseq.seq,
    remoteSeq: undefined,
    remoteTarget: contact && !contact.star ? contact.uri : req.uri,
    routeSet: res.headers.getAll('record-route').reverse(),
    localContact,
  });
}

/**
 * §12.1.1: the UAS's dialog when it sends a 1xx/2xx with `localTag`: route set = Record-Route of the request in
 * order, remote target = request Contact, remote CSeq = the request's, local CSeq starts at `localSeq`.
 */
export function dialogFromUasRequest(
  req: SipRequest,
  localTag: string,
  localContact: string,
  state: 'early' | 'confirmed',
  localSeq = 0,
): Dialog | undefined {
  const remoteTag = req.from.params.get('tag');
  if (!remoteTag) return undefined;
  const contact = req.headers.has('contact') ? req.contacts()[0] : undefined;
  if (!contact || contact.star) return undefined; // §12.1.1: a dialog needs the peer's Contact
  const to = req.headers.get('to')!;
  return new Dialog({
    role: 'uas',
    state,
    callId: req.callId,
    localTag,
    remoteTag,
    localParty: req.to.params.has('tag') ? to : `${to};tag=${localTag}`,
    remoteParty: req.headers.get('from')!,
    localSeq,
    remoteSeq: req.cseq.seq,
    remoteTarget: contact.uri,
    routeSet: req.headers.getAll('record-route'),
    localContact,
  });
}
