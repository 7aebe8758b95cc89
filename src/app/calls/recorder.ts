// Writes what calls do to the store, off the signalling hot path: active_calls rows (one per involved endpoint,
// RFC 4235 state) and call_registry rows (one per involved endpoint of a finished call). Signalling code only
// changes an in-memory picture; a single background writer brings the store in line with it, coalescing: a row
// that went Call Setup → Ringing → In call before the writer ran is inserted once as "In call", and a call that
// ended before its row was written is never inserted at all. Each flush writes all its changes with a few multi-row
// statements (insert, update, delete, registry), never one per call: on an embedded store every query runs on the
// signalling thread. A store failure is reported and retried later; it never delays or fails a call.
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema/index.ts';
import type { ActiveCallState, CallDisposition, EndpointType } from '../../store/schema/vpbx.ts';
import { nextState } from './states.ts';
import { deleteActive, insertActive, insertRegistry, updateActive } from './store-batch.ts';

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
  /**
   * Coalescing delay before a write (ms, default 1000, like the registrations mirror; 0: the next turn of the event
   * loop). The active-calls view lags by up to this much; calls shorter than it are never inserted.
   */
  delayMs?: number;
}

/** Rows per statement: far below PostgreSQL's 65 535 parameters per statement. */
const CHUNK = 1000;

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
  #wake: (() => void) | null = null;
  /** cancels the pending delay of a waiting writer */
  #delay: (() => void) | null = null;

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
      this.#hurry();
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
    // Wait a little: changes made meanwhile are coalesced, and every flush costs a few statements whatever the
    // number of calls in it (on PGlite a statement costs 0.5–1 ms of the store thread, plus ~50 µs per row).
    const delay = this.#opts.delayMs ?? 1000;
    this.#running = new Promise<void>((resolve) => {
      this.#wake = resolve;
      if (delay > 0) {
        const t = setTimeout(resolve, delay);
        t.unref(); // shutdown() flushes; a pending write must not keep the process up
        this.#delay = () => clearTimeout(t);
      } else {
        const t = setImmediate(resolve);
        this.#delay = () => clearImmediate(t);
      }
    })
      .then(() => {
        this.#wake = null;
        this.#delay = null;
        return this.#drain();
      })
      .finally(() => {
        this.#running = null;
        if (this.#pending()) this.#kick();
      });
  }

  /** flush(): a writer still waiting out its delay starts now. */
  #hurry(): void {
    if (!this.#wake) return;
    this.#delay?.();
    this.#wake();
  }

  async #drain(): Promise<void> {
    const db = this.#db;
    if (!db) {
      this.#dirty.clear();
      this.#registry = [];
      return;
    }
    const keys = [...this.#dirty];
    this.#dirty.clear();
    try {
      await this.#sync(db, keys);
      if (this.#registry.length > 0) {
        const batch = this.#registry;
        this.#registry = [];
        try {
          for (let i = 0; i < batch.length; i += CHUNK) await insertRegistry(db, batch.slice(i, i + CHUNK));
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

  /**
   * Brings the rows of `keys` in line with the picture: one multi-row INSERT, one UPDATE and one DELETE per chunk, never a statement per call. Keys not synced because a statement failed go back to dirty.
   */
  async #sync(db: Kysely<Database>, keys: string[]): Promise<void> {
    const inserts: Array<{ key: string; want: Desired; state: ActiveCallState; answeredAt: Date | null }> = [];
    const updates: Array<{ have: Written; state: ActiveCallState; answeredAt: Date | null }> = [];
    const deletes: Array<{ key: string; id: number }> = [];
    for (const key of keys) {
      const want = this.#desired.get(key);
      const have = this.#written.get(key);
      if (want && !have) inserts.push({ key, want, state: want.state, answeredAt: want.answeredAt });
      else if (want && have && (want.state !== have.state || want.answeredAt !== have.answeredAt)) updates.push({ have, state: want.state, answeredAt: want.answeredAt });
      else if (!want && have) deletes.push({ key, id: have.id });
    }
    const done = new Set<string>();
    try {
      for (let i = 0; i < inserts.length; i += CHUNK) {
        const part = inserts.slice(i, i + CHUNK);
        const ids = await insertActive(db, part.map((x) => ({ row: x.want.row, state: x.state, answeredAt: x.answeredAt, node: this.#opts.node ?? null })));
        const idOf = new Map(ids.map((r) => [CallRecorder.key(r.callId, r.direction, r.ownerId), Number(r.id)]));
        for (const x of part) {
          const id = idOf.get(x.key);
          done.add(x.key);
          // not written: its client was deleted while the call was up (store-batch.ts), so it has no row to show
          if (id === undefined) continue;
          this.#written.set(x.key, { id, state: x.state, answeredAt: x.answeredAt });
          // Changed or ended while inserting: sync once more.
          const now = this.#desired.get(x.key);
          if (!now || now.state !== x.state || now.answeredAt !== x.answeredAt) this.#dirty.add(x.key);
        }
      }
      for (let i = 0; i < updates.length; i += CHUNK) {
        const part = updates.slice(i, i + CHUNK);
        await updateActive(db, part.map((u) => ({ id: u.have.id, state: u.state, answeredAt: u.answeredAt })));
        for (const u of part) {
          u.have.state = u.state;
          u.have.answeredAt = u.answeredAt;
        }
      }
      for (let i = 0; i < deletes.length; i += CHUNK) {
        const part = deletes.slice(i, i + CHUNK);
        await deleteActive(db, part.map((d) => d.id));
        for (const d of part) {
          this.#written.delete(d.key);
          done.add(d.key);
        }
      }
    } catch (e) {
      // whatever is not known to be written is synced again on the retry (updates are idempotent)
      for (const key of keys) if (!done.has(key)) this.#dirty.add(key);
      throw e;
    }
  }
}
