// Writes what calls do to the store, off the signalling hot path: active_calls rows (one per involved endpoint,
// RFC 4235 state) and call_registry rows (one per involved endpoint of a finished call). Signalling code only
// changes an in-memory picture; a single background writer brings the store in line with it, coalescing: a row
// that went Call Setup → Ringing → In call before the writer ran is inserted once as "In call", and a call that
// ended before its row was written is never inserted at all. A store failure is reported and retried later;
// it never delays or fails a call.
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema/index.ts';
import type { ActiveCallState, CallDisposition, EndpointType } from '../../store/schema/vpbx.ts';
import { nextState } from './states.ts';

export interface ActiveRow {
  brandId: number;
  clientId: number;
  userId: number | null;
  callId: string;
  direction: 'inbound' | 'outbound';
  ownerType: EndpointType;
  ownerId: number | null;
  ownerName: string | null;
  party: string | null;
  caller: string | null;
  callee: string | null;
  startedAt: Date;
}

export interface RegistryRow {
  brandId: number;
  clientId: number;
  userId: number | null;
  callId: string;
  startTime: Date;
  duration: number;
  caller: string;
  callee: string;
  direction: 'inbound' | 'outbound';
  disposition: CallDisposition;
  endpointType: EndpointType | null;
  endpointId: number | null;
  endpointName: string | null;
}

interface Desired {
  row: ActiveRow;
  state: ActiveCallState;
  answeredAt: Date | null;
}

interface Written {
  id: number;
  state: ActiveCallState;
  answeredAt: Date | null;
}

export interface RecorderOptions {
  /** Name of this app node (active_calls.node). */
  node?: string;
  onError?: (err: unknown) => void;
  /** Delay before retrying after a store failure (ms, default 1000). */
  retryMs?: number;
}

export class CallRecorder {
  readonly #db: Kysely<Database> | null;
  readonly #opts: RecorderOptions;
  readonly #desired = new Map<string, Desired>();
  readonly #written = new Map<string, Written>();
  readonly #dirty = new Set<string>();
  #registry: RegistryRow[] = [];
  #running: Promise<void> | null = null;
  #retry: NodeJS.Timeout | null = null;
  #closed = false;

  /** `db` null: nothing is persisted (an app node without a store, unit tests). */
  constructor(db: Kysely<Database> | null, opts: RecorderOptions = {}) {
    this.#db = db;
    this.#opts = opts;
  }

  static key(callId: string, direction: string, ownerId: number | null): string {
    return `${callId}\n${direction}\n${ownerId ?? ''}`;
  }

  /** A new endpoint row (state trying = "Call Setup"). */
  open(row: ActiveRow): string {
    const key = CallRecorder.key(row.callId, row.direction, row.ownerId);
    this.#desired.set(key, { row, state: 'trying', answeredAt: null });
    this.#touch(key);
    return key;
  }

  /** RFC 4235 progress of the row (never backwards: a late 180 after the 200 changes nothing). */
  state(key: string, state: ActiveCallState, answeredAt?: Date): void {
    const d = this.#desired.get(key);
    if (!d) return;
    const next = nextState(d.state, state);
    if (next === null || next === d.state) return;
    d.state = next;
    if (answeredAt) d.answeredAt = answeredAt;
    this.#touch(key);
  }

  /** Terminated: the row goes away. */
  close(key: string): void {
    if (!this.#desired.delete(key)) return;
    this.#touch(key);
  }

  finished(rows: RegistryRow[]): void {
    if (rows.length === 0) return;
    this.#registry.push(...rows);
    this.#schedule();
  }

  /** Rows the store should show now (tests, `switchyard` diagnostics). */
  get active(): Array<ActiveRow & { state: ActiveCallState }> {
    return [...this.#desired.values()].map((d) => ({ ...d.row, state: d.state }));
  }

  /** Resolves when everything changed so far is written (or failed and awaits a retry). */
  async flush(): Promise<void> {
    for (;;) {
      if (!this.#running && this.#pending()) this.#kick();
      const r = this.#running;
      if (!r) return;
      await r;
    }
  }

  /** Final flush: rows of calls still up are removed so a restart does not show ghosts. */
  async shutdown(): Promise<void> {
    for (const key of [...this.#desired.keys()]) this.close(key);
    if (this.#retry) clearTimeout(this.#retry);
    this.#retry = null;
    await this.flush();
    this.#closed = true;
  }

  #pending(): boolean {
    return this.#dirty.size > 0 || this.#registry.length > 0;
  }

  #touch(key: string): void {
    this.#dirty.add(key);
    this.#kick();
  }

  #schedule(): void {
    this.#kick();
  }

  #kick(): void {
    if (this.#running || this.#closed || this.#retry) return;
    // setImmediate: let the signalling of this tick finish first; changes made meanwhile are coalesced.
    this.#running = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.#drain())
      .finally(() => {
        this.#running = null;
        if (this.#pending()) this.#kick();
      });
  }

  async #drain(): Promise<void> {
    const db = this.#db;
    if (!db) {
      this.#dirty.clear();
      this.#registry = [];
      return;
    }
    try {
      for (const key of [...this.#dirty]) {
        this.#dirty.delete(key);
        await this.#sync(db, key);
      }
      if (this.#registry.length > 0) {
        const batch = this.#registry;
        this.#registry = [];
        try {
          await db.insertInto('callRegistry').values(batch).execute();
        } catch (e) {
          this.#registry.unshift(...batch);
          throw e;
        }
      }
    } catch (err) {
      this.#opts.onError?.(err);
      if (!this.#closed && !this.#retry) {
        this.#retry = setTimeout(() => {
          this.#retry = null;
          this.#schedule();
        }, this.#opts.retryMs ?? 1000);
        this.#retry.unref();
      }
    }
  }

  async #sync(db: Kysely<Database>, key: string): Promise<void> {
    const want = this.#desired.get(key);
    const have = this.#written.get(key);
    try {
      if (want && !have) {
        const r = await db.insertInto('activeCalls').values({
          ...want.row,
          state: want.state,
          answeredAt: want.answeredAt,
          node: this.#opts.node ?? null,
        }).returning('id').executeTakeFirstOrThrow();
        this.#written.set(key, { id: Number(r.id), state: want.state, answeredAt: want.answeredAt });
        // Changed again while inserting: sync once more.
        const now = this.#desired.get(key);
        if (!now || now.state !== want.state) this.#dirty.add(key);
      } else if (want && have) {
        if (want.state === have.state && want.answeredAt === have.answeredAt) return;
        await db.updateTable('activeCalls').set({ state: want.state, answeredAt: want.answeredAt }).where('id', '=', have.id).execute();
        have.state = want.state;
        have.answeredAt = want.answeredAt;
      } else if (!want && have) {
        await db.deleteFrom('activeCalls').where('id', '=', have.id).execute();
        this.#written.delete(key);
      }
    } catch (e) {
      this.#dirty.add(key);
      throw e;
    }
  }
}
