// Dialogs by id, and the §12.2.2 lookup for received requests (481 when a To tag names no dialog).
import type { SipRequest, SipResponse } from '../message.ts';
import { dialogKey, type Dialog, type InDialogCheck } from './dialog.ts';

export type DialogMatch =
  | { kind: 'out-of-dialog' }
  | { kind: 'dialog'; dialog: Dialog; check: InDialogCheck }
  | { kind: 'unknown'; status: 481; reason: 'Call/Transaction Does Not Exist'; code: 'SIP_ERR_NO_DIALOG' };

export class DialogStore {
  readonly #dialogs = new Map<string, Dialog>();

  get size(): number {
    return this.#dialogs.size;
  }

  add(d: Dialog): void {
    this.#dialogs.set(d.key, d);
  }

  remove(d: Dialog): void {
    this.#dialogs.delete(d.key);
  }

  get(callId: string, localTag: string, remoteTag: string): Dialog | undefined {
    return this.#dialogs.get(dialogKey(callId, localTag, remoteTag));
  }

  /** The dialog a response to our request belongs to (local = From tag, remote = To tag). */
  forResponse(res: SipResponse): Dialog | undefined {
    const local = res.from.params.get('tag');
    const remote = res.to.params.get('tag');
    if (!local || !remote) return undefined;
    return this.get(res.callId, local, remote);
  }

  /**
   * RFC 3261 §12.2.2: a request with a To tag belongs to a dialog (local = To tag, remote = From tag).
   * No match → 481. The dialog's CSeq check and target refresh are applied (`check`); BYE terminates it.
   */
  matchRequest(req: SipRequest): DialogMatch {
    const local = req.to.params.get('tag');
    if (!local) return { kind: 'out-of-dialog' };
    const d = this.get(req.callId, local, req.from.params.get('tag') ?? '');
    if (!d || d.terminated)
      return { kind: 'unknown', status: 481, reason: 'Call/Transaction Does Not Exist', code: 'SIP_ERR_NO_DIALOG' };
    const check = d.receiveRequest(req);
    if (d.terminated) this.remove(d);
    return { kind: 'dialog', dialog: d, check };
  }
}
