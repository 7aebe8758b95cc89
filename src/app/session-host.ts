// What a CallSession needs from the app server that owns it (kept narrow: the session never sees the stack,
// the directory or other calls).
import type { Clock } from '../sip/clock.ts';
import type { Dialog } from '../sip/dialog/dialog.ts';
import type { DialogStore } from '../sip/dialog/store.ts';
import type { SipUri } from '../sip/message.ts';
import type { TransactionLayer } from '../sip/transaction/layer.ts';
import type { SendTarget } from '../sip/transaction/types.ts';
import type { MediaEngine } from '../media/engine.ts';
import type { CallRecorder } from './calls/recorder.ts';
import type { CallSession, Leg } from './call-session.ts';
import type { SessionTimerPolicy } from './session-timer.ts';

export interface SessionHost {
  readonly layer: TransactionLayer;
  readonly dialogs: DialogStore;
  readonly media: MediaEngine;
  readonly recorder: CallRecorder;
  readonly clock: Clock;
  /** Our Contact for both legs, e.g. `<sip:app@127.0.0.1:6060>`. */
  readonly contact: string;
  /** No-answer limit of the B leg (ms; 0 = none). */
  readonly ringTimeoutMs: number;
  /** RFC 4028 policy: our Min-SE, the interval asked of callees. */
  readonly sessionTimers: SessionTimerPolicy;
  now(): number;
  /** Where a new B-leg INVITE goes: an edge's internal listener. */
  edgeTarget(): SendTarget;
  /** Next hop of an in-dialog request (the edge's Record-Route URI). */
  targetFor(uri: SipUri): SendTarget;
  registerDialog(d: Dialog, s: CallSession, leg: Leg): void;
  /** The B leg's Call-ID is known: 2xx retransmissions after the transaction ended find their session. */
  trackBCall(s: CallSession): void;
  log(line: string): void;
}
