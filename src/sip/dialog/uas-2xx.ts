// RFC 3261 §13.3.1.4: the UAS core retransmits its 2xx to INVITE (T1 doubling to T2) until the ACK arrives;
// with no ACK after 64*T1 it gives up (and should end the dialog with BYE).
import type { Clock, TimerHandle } from '../clock.ts';
import type { SipResponse } from '../message.ts';
import type { TimerConfig } from '../transaction/timers.ts';
import type { ServerTransaction } from '../transaction/types.ts';

export class Uas2xxRetransmitter {
  readonly #clock: Clock;
  #timer: TimerHandle | undefined;
  #giveUp: TimerHandle | undefined;
  #done = false;
  /** CSeq number of the INVITE whose 2xx this repeats: its ACK carries the same one (§13.2.2.4). */
  readonly seq: number;

  constructor(clock: Clock, timers: TimerConfig, tx: ServerTransaction, res: SipResponse, onNoAck: () => void) {
    this.#clock = clock;
    this.seq = res.cseq.seq;
    tx.respond(res);
    const resend = (interval: number) => {
      this.#timer = clock.setTimeout(() => {
        if (this.#done) return;
        // The INVITE transaction passes TU retransmissions through while Accepted (RFC 6026 §8.7).
        if (tx.state === 'accepted') tx.respond(res);
        resend(Math.min(interval * 2, timers.T2));
      }, interval);
    };
    resend(timers.T1);
    this.#giveUp = clock.setTimeout(() => {
      if (this.#done) return;
      this.stop();
      onNoAck();
    }, 64 * timers.T1);
  }

  /** The ACK arrived (or the call ended): stop. */
  stop(): void {
    this.#done = true;
    this.#clock.clearTimeout(this.#timer);
    this.#clock.clearTimeout(this.#giveUp);
  }

  get stopped(): boolean {
    return this.#done;
  }
}
