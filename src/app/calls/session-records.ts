// The records one call keeps while it lives (an active-calls row per endpoint) and leaves when it ends (call
// registry rows), through the CallRecorder (off the signalling path).
import type { CallerContext } from '../headers.ts';
import type { InternalRoute } from '../routing.ts';
import type { CallRecorder } from './recorder.ts';
import { activeRow, registryRows } from './session-rows.ts';
import { dispositionOf } from './states.ts';

export class SessionRecords {
  #callerKey: string | undefined;
  #calleeKey: string | undefined;

  constructor(
    private readonly recorder: CallRecorder,
    private readonly route: InternalRoute,
    private readonly ctx: CallerContext,
    private readonly callId: string,
    private readonly startedAt: Date,
  ) {}

  /** The callee was reached (a B leg was sent): it gets its own rows. */
  get calleeReached(): boolean {
    return this.#calleeKey !== undefined;
  }

  openCaller(): void {
    this.#callerKey = this.#open('outbound');
  }

  openCallee(): void {
    this.#calleeKey = this.#open('inbound');
  }

  state(state: 'early' | 'confirmed', answeredAt?: Date): void {
    for (const k of [this.#callerKey, this.#calleeKey]) if (k) this.recorder.state(k, state, answeredAt);
  }

  finish(o: { answeredAt: Date | undefined; endedAt: Date; cancelled: boolean; status: number }): void {
    for (const k of [this.#callerKey, this.#calleeKey]) if (k) this.recorder.close(k);
    this.recorder.finished(registryRows({
      route: this.route,
      brandId: this.ctx.brandId,
      callId: this.callId,
      startedAt: this.startedAt,
      answeredAt: o.answeredAt,
      endedAt: o.endedAt,
      disposition: dispositionOf({ answered: o.answeredAt !== undefined, cancelled: o.cancelled, status: o.status }),
      calleeReached: this.calleeReached,
    }));
  }

  #open(direction: 'inbound' | 'outbound'): string {
    return this.recorder.open(activeRow(this.route, this.ctx.brandId, this.callId, direction, this.startedAt));
  }
}
