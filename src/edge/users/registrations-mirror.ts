// Mirrors the location service into the `registrations` table (the read-only API resource and the user portal's
// "registration state"). Never on the SIP hot path: changes mark an AoR dirty and one writer flushes the dirty
// AoRs after a short delay, so a burst of re-registrations costs one write per AoR. Losing a flush only delays
// what the portal shows; the location service stays the truth for routing.
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema/index.ts';
import { formatReceived } from './flow.ts';
import type { Binding, LocationService } from './location.ts';

export interface MirrorOptions {
  /** this edge node's name (the `node` column) */
  node: string;
  /** coalescing delay (default 1000 ms) */
  delayMs?: number;
  onError?: (err: unknown) => void;
}

export class RegistrationsMirror {
  readonly #db: Kysely<Database>;
  readonly #o: MirrorOptions;
  readonly #dirty = new Map<string, readonly Binding[]>();
  readonly #unsubscribe: () => void;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(db: Kysely<Database>, location: LocationService, o: MirrorOptions) {
    this.#db = db;
    this.#o = o;
    this.#unsubscribe = location.onChange((aor, bindings) => this.#mark(aor, bindings));
  }

  /** Forget what a previous run of this node left behind (its bindings did not survive the restart). */
  async start(): Promise<void> {
    await this.#db.deleteFrom('registrations').where('node', '=', this.#o.node).execute();
  }

  /** Writes every dirty AoR now (tests; shutdown). */
  flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#running = this.#running.then(() => this.#write());
    return this.#running;
  }

  async close(): Promise<void> {
    this.#unsubscribe();
    await this.flush();
    this.#closed = true;
  }

  #mark(aor: string, bindings: readonly Binding[]): void {
    if (this.#closed) return;
    this.#dirty.set(aor, bindings);
    if (this.#timer) return;
    this.#timer = setTimeout(() => void this.flush(), this.#o.delayMs ?? 1000);
    this.#timer.unref();
  }

  async #write(): Promise<void> {
    const batch = [...this.#dirty];
    this.#dirty.clear();
    for (const [aor, bindings] of batch) {
      try {
        await this.#db.transaction().execute(async (trx) => {
          await trx.deleteFrom('registrations').where('aor', '=', aor).where('node', '=', this.#o.node).execute();
          for (const b of bindings) {
            const row = {
              clientId: b.owner.clientId,
              terminalId: b.owner.terminalId,
              userId: b.owner.userId,
              aor,
              contact: b.contact,
              expiresAt: new Date(b.expiresAt),
              userAgent: b.userAgent ?? null,
              received: formatReceived(b.flow),
              callId: b.callId,
              cseq: b.cseq,
              instanceId: b.instanceId ?? null,
              node: this.#o.node,
              registeredAt: new Date(b.registeredAt),
            };
            const { aor: _a, contact: _c, ...update } = row;
            await trx.insertInto('registrations').values(row).onConflict((oc) => oc.columns(['aor', 'contact']).doUpdateSet(update)).execute();
          }
        });
      } catch (e) {
        this.#o.onError?.(e);
      }
    }
  }
}
