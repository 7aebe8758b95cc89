// One proxied request (RFC 3261 §16): the server transaction on the receiving side and one client transaction
// per branch on the sending side. Parallel forking with the callee's rejection policy (fork-policy.ts), CANCEL of
// the other branches on the first 2xx and on a fork-ending rejection, every 2xx relayed (§16.7 step 5), the best
// final response when all branches failed (§16.7 step 6), CANCEL from upstream propagated (§16.10), Timer C
// (§16.6 step 11, §16.8) for branches that ring forever.
import { randomHex } from '../../sip/random.ts';
import type { Clock, TimerHandle } from '../../sip/clock.ts';
import { createResponse, type SipRequest, type SipResponse } from '../../sip/message.ts';
import type { SipStack } from '../../sip/stack.ts';
import type { ClientTransaction, SendTarget, ServerTransaction } from '../../sip/transaction/types.ts';
import { responseRoute } from '../../sip/transport/response-route.ts';
import type { CallRejectionMethod } from '../../domain/vpbx/call-rejection.ts';
import { bestResponse, branchOutcome, upstreamStatus } from './fork-policy.ts';
import { stripAllInternal } from './internal-headers.ts';

interface Branch {
  tx: ClientTransaction;
  done: boolean;
  /** the branch's final response while the best one may still have to be picked (§16.7 step 6); dropped after */
  final: SipResponse | undefined;
  timerC: TimerHandle | undefined;
  /** Timer C fired and CANCELled this branch: its 487 is reported as the 408 it stands for (§16.8). */
  timerCFired: boolean;
}

export interface ProxyTxOptions {
  serverTx: ServerTransaction;
  /** the stack the request came in on (for stateless relay of late 2xx upstream) */
  upstream: SipStack;
  clock: Clock;
  policy?: CallRejectionMethod;
  /** Timer C (default 180 s, RFC 3261 §16.6 step 11: more than 3 minutes recommended; ours is configurable) */
  timerCMs?: number;
  /** called once when the upstream got its final response (metrics, logs) */
  onFinal?(status: number): void;
}

export class ProxyTransaction {
  readonly #o: ProxyTxOptions;
  readonly #branches: Branch[] = [];
  readonly #isInvite: boolean;
  #finished = false;
  #cancelled = false;
  /** a branch answered 2xx (the Reason of the CANCEL sent to the others) */
  #answered = false;
  #localTag: string | undefined;

  constructor(o: ProxyTxOptions) {
    this.#o = o;
    this.#isInvite = o.serverTx.method === 'INVITE';
    if (this.#isInvite) o.serverTx.onCancel(() => this.cancel());
  }

  get finished(): boolean {
    return this.#finished;
  }

  /** Sends one branch: `req` is a prepared copy (R-URI, our Via on top, Max-Forwards, Record-Route). */
  addBranch(stack: SipStack, req: SipRequest, target: SendTarget): void {
    if (this.#finished || this.#cancelled) return;
    const b: Branch = { tx: undefined as unknown as ClientTransaction, done: false, final: undefined, timerC: undefined, timerCFired: false };
    this.#branches.push(b);
    b.tx = stack.sendRequest(req, target, {
      onResponse: (res) => this.#onResponse(b, res),
      onTimeout: () => this.#onFinal(b, this.#local(408, 'Request Timeout'), true),
      onTransportError: () => this.#onFinal(b, this.#local(503, 'Service Unavailable'), true),
    });
    if (this.#isInvite) this.#armTimerC(b);
  }

  /** RFC 3261 §16.10: CANCEL from upstream → CANCEL every pending branch; their 487s come back as usual. */
  cancel(): void {
    if (this.#cancelled) return;
    this.#cancelled = true;
    // cancelled before any branch existed (location lookup still running): answer it ourselves (§9.2)
    if (this.#branches.length === 0) return this.reply(487, 'Request Terminated');
    for (const b of this.#branches) if (!b.done) this.#cancelBranch(b);
  }

  /** A local final response upstream (no branch could be created: not registered, no app node…). */
  reply(status: number, reason: string, headers: Array<[string, string]> = []): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#respond(this.#local(status, reason, headers));
    this.#o.onFinal?.(status);
  }

  #onResponse(b: Branch, res: SipResponse): void {
    if (res.status === 100) return; // hop by hop (§16.7 step 3)
    if (res.status < 200) {
      if (b.done || this.#finished) return; // a provisional overtaken by the final (interop README §2, gotcha 2)
      this.#armTimerC(b);
      this.#relay(res);
      return;
    }
    // §16.8: a branch CANCELled by Timer C timed out: the upstream hears 408, not the 487 of our own CANCEL.
    if (b.timerCFired && res.status === 487) return this.#onFinal(b, this.#local(408, 'Request Timeout'), true);
    this.#onFinal(b, res, false);
  }

  #onFinal(b: Branch, res: SipResponse, local: boolean): void {
    const ok = res.status >= 200 && res.status < 300;
    if (b.done && !ok) return;
    b.done = true;
    this.#o.clock.clearTimeout(b.timerC);
    b.timerC = undefined; // a cleared timer still holds its callback, and the branch lives on for Timer M
    if (ok) {
      // §16.7 step 5: every 2xx goes upstream, also a second one from another branch (the UAC ends that dialog).
      const first = !this.#finished;
      this.#finished = true;
      this.#answered = true;
      this.#relay(res);
      if (first) {
        this.#o.onFinal?.(res.status);
        this.#cancelOthers(b);
      }
      this.#forgetFinals();
      return;
    }
    if (this.#finished) return;
    b.final = res;
    const outcome = this.#isInvite ? branchOutcome(this.#o.policy ?? 'default', res.status, local) : 'end-fork';
    if (outcome === 'end-fork') return this.#finishWith(res, b);
    if (this.#branches.every((x) => x.done)) {
      const best = bestResponse(this.#branches.map((x) => x.final!), this.#o.policy ?? 'default') ?? res;
      this.#finishWith(best, undefined);
    }
  }

  #finishWith(res: SipResponse, except: Branch | undefined): void {
    this.#finished = true;
    const up = upstreamStatus(res.status, this.#o.policy ?? 'default');
    if (up.reason !== undefined) {
      res.status = up.status;
      res.reason = up.reason;
    }
    this.#relay(res);
    this.#o.onFinal?.(res.status);
    this.#cancelOthers(except);
    this.#forgetFinals();
  }

  // The client transactions keep this object for their wait timers (Timer M: 64*T1 after a 2xx); the parsed
  // responses are not needed once upstream has its final one.
  #forgetFinals(): void {
    for (const x of this.#branches) x.final = undefined;
  }

  #cancelOthers(except: Branch | undefined): void {
    for (const x of this.#branches) if (x !== except && !x.done) this.#cancelBranch(x);
  }

  #cancelBranch(b: Branch): void {
    if (!this.#isInvite) return;
    // RFC 3326: the other devices learn the call was answered elsewhere (so they do not log a missed call).
    b.tx.cancel(this.#answered ? [['Reason', 'SIP;cause=200;text="Call completed elsewhere"']] : undefined);
  }

  #armTimerC(b: Branch): void {
    const clock = this.#o.clock;
    clock.clearTimeout(b.timerC);
    b.timerC = clock.setTimeout(() => {
      // §16.8: Timer C fired: CANCEL a branch that had a provisional answer (the transaction defers it otherwise;
      // without any provisional, Timer B ends the branch with a local 408 anyway)
      if (b.done) return;
      b.timerCFired = true;
      b.tx.cancel();
    }, this.#o.timerCMs ?? 180_000);
  }

  /**
   * Relay a branch's response upstream: our Via off (§16.7 step 3), no internal header (trust boundary). The Vias
   * upstream are by definition those of the request we received, so they are restored from it: a peer that
   * answers with a truncated Via list (SIPp's 487 after CANCEL copies the CANCEL's single Via) still reaches the
   * caller.
   */
  #relay(res: SipResponse): void {
    res.headers.delete('via');
    for (const v of this.#o.serverTx.request.headers.getAll('via')) res.headers.append('Via', v);
    stripAllInternal(res);
    this.#respond(res);
  }

  #respond(res: SipResponse): void {
    const stx = this.#o.serverTx;
    const ok = res.status >= 200 && res.status < 300;
    const canSend =
      stx.state === 'trying' || stx.state === 'proceeding' || (stx.state === 'accepted' && ok);
    if (canSend) {
      stx.respond(res);
      return;
    }
    if (ok && this.#isInvite) {
      // A 2xx retransmission after the server transaction ended: statelessly, along the Via (§16.7 step 10).
      const route = responseRoute(res.topVia, stx.source.connectionId);
      if (route) this.#o.upstream.sendStateless(res, { transport: route.transport, host: route.host, port: route.port, ...(route.connectionId ? { connectionId: route.connectionId } : {}) });
    }
  }

  #local(status: number, reason: string, headers: Array<[string, string]> = []): SipResponse {
    const req = this.#o.serverTx.request;
    this.#localTag ??= randomHex(6);
    return createResponse(req, status, reason, { headers, ...(status > 100 && !req.to.params.has('tag') ? { toTag: this.#localTag } : {}) });
  }
}
