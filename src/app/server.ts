// The application server's composition root (jambonz's feature-server shape): one SIP stack on the internal
// listener (default 127.0.0.1:6060 UDP, reachable only from edges), the directory, the media engine and the call
// recorder, wired to one CallSession per call. Requests are accepted only from configured edge addresses.
import { createSipStack, type ListenSpec, type SipStack } from '../sip/stack.ts';
import { createResponse, type SipRequest, type SipUri } from '../sip/message.ts';
import type { Dialog } from '../sip/dialog/dialog.ts';
import { DialogStore } from '../sip/dialog/store.ts';
import type { Clock } from '../sip/clock.ts';
import type { TimerConfig } from '../sip/transaction/timers.ts';
import type { TransportLimits } from '../sip/transport/limits.ts';
import type { MessageSource, SendTarget, ServerTransaction, TransportName } from '../sip/transaction/types.ts';
import type { MediaEngine } from '../media/engine.ts';
import { CallSession, type Leg } from './call-session.ts';
import { CallRecorder } from './calls/recorder.ts';
import { UserCallCounter, type CallCounter } from './calls/counter.ts';
import { dispositionOf } from './calls/states.ts';
import { reject, type Rejection } from './errors.ts';
import { readCallerContext, type CallerContext } from './headers.ts';
import { dialledNumber, resolveCaller, routeInternal, type DirectoryView, type Party } from './routing.ts';
import type { SessionHost } from './session-host.ts';
import { DEFAULT_SESSION_TIMERS, negotiateUas, type SessionTimerPolicy } from './session-timer.ts';
import { PeerHealth, type ProbeOptions } from '../sip/ua/peer-health.ts';
import { randomHex } from '../sip/random.ts';

export interface EdgeAddress {
  host: string;
  port: number;
  transport?: TransportName;
}

export interface AppServerOptions {
  directory: DirectoryView;
  media: MediaEngine;
  /** Writes active calls and the call registry; default: one without a store (nothing persisted). */
  recorder?: CallRecorder;
  /** Internal listeners (default UDP 127.0.0.1:6060). */
  listen?: ListenSpec[];
  /** Transport limits of the internal listeners (e.g. udpBufferBytes: SIP_UDP_BUFFER, like the edge's sockets). */
  limits?: Partial<TransportLimits>;
  /** Edges allowed to send us requests; B legs go to the first one that answers its probes (src/sip/ua/peer-health.ts). */
  edges: EdgeAddress[];
  /** Keep-alive OPTIONS to the edges when there are several. */
  edgeProbe?: ProbeOptions;
  /** No-answer limit of a B leg in ms (default 120 000; 0 = none). */
  ringTimeoutMs?: number;
  /** Session timers (RFC 4028): our Min-SE (default 90 s) and the interval asked of callees (default 1800 s). */
  sessionTimers?: Partial<SessionTimerPolicy>;
  /** Calls each user handles (call waiting): per node in memory by default, RedisCallCounter in a cluster. */
  counter?: CallCounter;
  clock?: Clock;
  timers?: Partial<TimerConfig>;
  log?: (line: string) => void;
}

const edgeSendTarget = (e: EdgeAddress): SendTarget => ({ transport: e.transport ?? 'UDP', host: e.host, port: e.port });

export class AppServer implements SessionHost {
  readonly stack: SipStack;
  readonly dialogs = new DialogStore();
  readonly media: MediaEngine;
  readonly recorder: CallRecorder;
  readonly directory: DirectoryView;
  readonly ringTimeoutMs: number;
  readonly sessionTimers: SessionTimerPolicy;
  readonly counter: CallCounter;
  #edgeHosts: Set<string>;
  readonly #health: PeerHealth;
  readonly #sessions = new Set<CallSession>();
  readonly #byDialog = new Map<string, { session: CallSession; leg: Leg; dialog: Dialog }>();
  /** the dialogs each session registered, so its end removes them without a walk over every call's dialogs */
  readonly #dialogsOf = new Map<CallSession, Dialog[]>();
  readonly #byBCall = new Map<string, CallSession>();
  readonly #byMediaCall = new Map<string, CallSession>();
  readonly #log: (line: string) => void;
  #closing = false;

  constructor(stack: SipStack, o: AppServerOptions) {
    if (o.edges.length === 0) throw new Error('createAppServer: at least one edge address is required');
    this.stack = stack;
    this.media = o.media;
    this.directory = o.directory;
    this.counter = o.counter ?? new UserCallCounter();
    this.recorder = o.recorder ?? new CallRecorder(null);
    this.ringTimeoutMs = o.ringTimeoutMs ?? 120_000;
    this.sessionTimers = { ...DEFAULT_SESSION_TIMERS, ...o.sessionTimers };
    this.#edgeHosts = new Set(o.edges.map((e) => e.host.toLowerCase()));
    this.#health = new PeerHealth(stack.tx, stack.tx.clock, () => this.contact, o.edgeProbe);
    this.#health.set(o.edges.map(edgeSendTarget));
    this.#log = o.log ?? (() => undefined);
    stack.onRequest((req, tx) => this.#onRequest(req, tx));
    stack.onAck((ack, source) => this.#onAck(ack, source));
    stack.onStrayResponse((res) => {
      if (res.cseq.method !== 'INVITE' || res.status < 200 || res.status >= 300) return;
      this.#byBCall.get(res.callId)?.bStray2xx(res);
    });
  }

  get layer(): SessionHost['layer'] {
    return this.stack.tx;
  }

  get clock(): Clock {
    return this.stack.tx.clock;
  }

  get address(): { transport: TransportName; host: string; port: number } {
    const a = this.stack.addresses[0];
    if (!a) throw new Error('app server has no listener');
    return a;
  }

  get contact(): string {
    const a = this.address;
    const host = a.host.includes(':') ? `[${a.host}]` : a.host;
    return `<sip:app@${host}:${a.port}${a.transport === 'UDP' ? '' : `;transport=${a.transport.toLowerCase()}`}>`;
  }

  /** Calls in progress (tests, diagnostics). */
  get sessions(): CallSession[] {
    return [...this.#sessions];
  }

  /** Replaces the edge list (the embedded start learns the edge's internal port after binding it). */
  setEdges(edges: EdgeAddress[]): void {
    if (edges.length === 0) throw new Error('at least one edge address is required');
    this.#edgeHosts = new Set(edges.map((e) => e.host.toLowerCase()));
    this.#health.set(edges.map(edgeSendTarget));
  }

  /** Whether the edge at host:port answers its probes (always true with a single edge). */
  edgeUp(host: string, port: number): boolean {
    return this.#health.isUp(host, port);
  }

  now(): number {
    return this.clock.now();
  }

  edgeTarget(): SendTarget {
    return this.#health.pick();
  }

  targetFor(uri: SipUri): SendTarget {
    const tp = uri.params.get('transport');
    const transport = (tp ? tp.toUpperCase() : 'UDP') as TransportName;
    return { transport, host: uri.host, port: uri.port ?? (transport === 'TLS' ? 5061 : 5060) };
  }

  registerDialog(d: Dialog, session: CallSession, leg: Leg): void {
    this.dialogs.add(d);
    this.#byDialog.set(d.key, { session, leg, dialog: d });
    const mine = this.#dialogsOf.get(session);
    if (mine) mine.push(d);
    else this.#dialogsOf.set(session, [d]);
  }

  trackBCall(s: CallSession): void {
    this.#byBCall.set(s.bCallId, s);
  }

  log(line: string): void {
    this.#log(line);
  }

  /** The builtin engine released a call for inactivity (its `onTimeout`). */
  mediaTimeout(callId: string): void {
    this.#byMediaCall.get(callId)?.mediaTimeout();
  }

  /** Ends every call (BYE / CANCEL), flushes the recorder, closes the stack. The media engine is the caller's. */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.#health.stop();
    for (const s of [...this.#sessions]) s.hangup('shutdown');
    // Give the BYEs/CANCELs a moment to leave (UDP: one send; no wait for answers).
    await new Promise((r) => setTimeout(r, 50));
    await this.recorder.flush();
    await this.stack.close();
  }

  // --- requests ---------------------------------------------------------------------------------------------

  #trusted(source: MessageSource): boolean {
    return this.#edgeHosts.has(source.host.toLowerCase());
  }

  #onRequest(req: SipRequest, tx: ServerTransaction): void {
    if (!this.#trusted(tx.source)) {
      // Only edges talk to the app (calls contract): anything else is refused without a hint.
      tx.respond(createResponse(req, 403, 'Forbidden', { toTag: randomHex(4) }));
      return;
    }
    const m = this.dialogs.matchRequest(req);
    if (m.kind === 'unknown') {
      tx.respond(createResponse(req, m.status, m.reason));
      return;
    }
    if (m.kind === 'dialog') {
      if (!m.check.ok) {
        tx.respond(createResponse(req, m.check.status, m.check.reason));
        return;
      }
      const owner = this.#byDialog.get(m.dialog.key);
      if (!owner) {
        tx.respond(createResponse(req, 481, 'Call/Transaction Does Not Exist'));
        return;
      }
      owner.session.inDialog(owner.leg, req, tx);
      return;
    }
    switch (req.method) {
      case 'INVITE':
        return this.#newCall(req, tx);
      case 'OPTIONS':
        tx.respond(createResponse(req, 200, 'OK', { toTag: randomHex(4), headers: [['Allow', 'INVITE, ACK, CANCEL, BYE, INFO, UPDATE, OPTIONS']] }));
        return;
      default:
        tx.respond(createResponse(req, 405, 'Method Not Allowed', { toTag: randomHex(4), headers: [['Allow', 'INVITE, ACK, CANCEL, BYE, INFO, UPDATE, OPTIONS']] }));
    }
  }

  #newCall(req: SipRequest, tx: ServerTransaction): void {
    const refuse = (r: Rejection, ctx?: CallerContext, caller?: Party) => {
      tx.respond(createResponse(req, r.status, r.reason, { toTag: randomHex(6) }));
      this.#log(`call ${req.callId}: rejected ${r.status} ${r.reason} (${r.code})`);
      if (ctx && caller) this.#recordRejected(req, ctx, caller, r);
    };
    if (this.#closing) return refuse(reject('SHUTTING_DOWN'));
    // RFC 3261 §8.2.2.3: of the extensions a caller can require we support only session timers (RFC 4028):
    // anything else (100rel…) → 420 + Unsupported.
    const required = req.headers.getAll('require').flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
    const unsupported = required.filter((v) => v.toLowerCase() !== 'timer');
    if (unsupported.length > 0) {
      tx.respond(createResponse(req, 420, 'Bad Extension', { toTag: randomHex(6), headers: [['Unsupported', unsupported.join(', ')]] }));
      return;
    }
    // RFC 4028 §9: a Session-Expires below our Min-SE → 422 with our Min-SE (the caller retries with it).
    const st = negotiateUas(req.headers, this.sessionTimers);
    if (!st.ok) {
      tx.respond(createResponse(req, st.status, st.reason, { toTag: randomHex(6), headers: [['Min-SE', String(st.minSeS)]] }));
      return;
    }
    const ctx = readCallerContext(req.headers);
    if (!ctx.ok) return refuse(reject('BAD_INTERNAL_HEADER'));
    const caller = resolveCaller(this.directory, ctx.value);
    if (!caller.ok) return refuse(caller);
    const dialled = dialledNumber(req.uri.user);
    const route = routeInternal(this.directory, caller.party, dialled, (u) => this.counter.count(u));
    if (!route.ok) return refuse(route, ctx.value, caller.party);
    // Offer-less INVITEs (RFC 3261 §13.2.1: offer in the 2xx, answer in the ACK) are not relayed yet.
    if (req.body.length === 0) return refuse(reject('BAD_SDP'), ctx.value, caller.party);
    const s = new CallSession(this, req, tx, route, ctx.value);
    this.#sessions.add(s);
    this.#byMediaCall.set(s.mediaCallId, s);
    const users = s.users;
    for (const u of users) this.counter.add(u);
    s.onEnded(() => {
      this.#sessions.delete(s);
      this.#byBCall.delete(s.bCallId);
      if (this.#byMediaCall.get(s.mediaCallId) === s) this.#byMediaCall.delete(s.mediaCallId);
      for (const d of this.#dialogsOf.get(s) ?? []) {
        const v = this.#byDialog.get(d.key);
        if (v === undefined || v.session !== s) continue;
        this.#byDialog.delete(d.key);
        this.dialogs.remove(v.dialog);
      }
      this.#dialogsOf.delete(s);
      for (const u of users) this.counter.remove(u);
    });
    this.#log(`call ${req.callId}: ${caller.party.number} → ${dialled} (terminal ${route.callee.terminal.name})`);
    s.start();
  }

  /** A call refused before any B leg still shows in the caller's call registry. */
  #recordRejected(req: SipRequest, ctx: CallerContext, caller: Party, r: Rejection): void {
    const now = new Date(this.now());
    this.recorder.finished([{
      brandId: ctx.brandId,
      clientId: caller.terminal.client.id,
      userId: caller.user?.id ?? null,
      callId: req.callId,
      startTime: now,
      duration: 0,
      caller: caller.number,
      callee: dialledNumber(req.uri.user),
      direction: 'outbound',
      disposition: dispositionOf({ answered: false, cancelled: false, status: r.status }),
      endpointType: caller.user ? 'user' : null,
      endpointId: caller.user?.id ?? null,
      endpointName: caller.user ? caller.number : null,
    }]);
  }

  #onAck(ack: SipRequest, source: MessageSource): void {
    if (!this.#trusted(source)) return;
    const local = ack.to.params.get('tag');
    const remote = ack.from.params.get('tag');
    if (!local || !remote) return;
    const d = this.dialogs.get(ack.callId, local, remote);
    if (!d) return;
    const owner = this.#byDialog.get(d.key);
    owner?.session.ack(owner.leg, ack);
  }
}

/** Creates the app server and binds its internal listener. */
export async function createAppServer(o: AppServerOptions): Promise<AppServer> {
  const stack = await createSipStack({
    // only edges send here: from an edge of this process the hop is reliable (src/sip/transport/udp.ts)
    listen: (o.listen ?? [{ transport: 'udp', host: '127.0.0.1', port: 6060 }]).map((l) => ({ ...l, reliableInProcess: true })),
    ...(o.clock ? { clock: o.clock } : {}),
    ...(o.timers ? { timers: o.timers } : {}),
    ...(o.limits ? { limits: o.limits } : {}),
  });
  return new AppServer(stack, o);
}
