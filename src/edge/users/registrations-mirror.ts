// Mirrors the location service into the `registrations` table (the read-only API resource and the user portal's
// "registration state"). Never on the SIP hot path: changes mark an AoR dirty and one writer flushes the dirty
// AoRs after a short delay, so a burst of re-registrations costs one write per AoR. Losing a flush only delays
// what the portal shows; the location service stays the truth for routing.
//
// Cluster (shared location in Redis): every edge hears every change, but only the edge that applied a change
// (origin 'local') writes it, so each change is written once. It writes the AoR's state as Redis has it at write
// time (a later change by another edge is never overwritten by an older one), replaces the AoR's rows whatever
// node wrote them, and sets `node` to the edge that owns each binding's flow. A restarting edge keeps the rows:
// its bindings survive in Redis.
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
  readonly #location: LocationService;
  readonly #o: MirrorOptions;
  readonly #dirty = new Map<string, readonly Binding[]>();
  readonly #unsubscribe: () => void;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(db: Kysely<Database>, location: LocationService, o: MirrorOptions) {
    this.#db = db;
    this.#location = location;
    this.#o = o;
    this.#unsubscribe = location.onChange((aor, bindings, origin) => {
      if (origin === 'local') this.#mark(aor, bindings);
    });
  }

  /** Forget what a previous run of this node left behind (its bindings did not survive the restart). */
  async start(): Promise<void> {
    if (this.#location.shared) return; // the bindings live on in the shared location, and so do their rows
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
    const shared = this.#location.shared;
    for (const [aor, changed] of batch) {
      try {
        const bindings = shared ? await this.#location.lookup(aor) : changed;
        await this.#db.transaction().execute(async (trx) => {
          let del = trx.deleteFrom('registrations').where('aor', '=', aor);
          if (!shared) del = del.where('node', '=', this.#o.node);
          await del.execute();
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
              node: b.edge?.id ?? this.#o.node,
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
