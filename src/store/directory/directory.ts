// The in-memory SIP directory: domain → client/brand, (domain, SIP username) → terminal with its HA1 values, user
// and client, (client, extension number) → route target. The users edge and the B2BUA look up here, never in the
// store, per SIP message. Freshness (changes.ts): in-process writes signal at once; on PostgreSQL a LISTEN
// connection carries other nodes' writes; a periodic version check catches anything missed. A reload re-reads only
// the users, terminals and extensions the change log names when it can (2.5–4.6 ms with 20 000 users, against
// 1.1–1.2 s for everything: bench/store/directory-reload.ts), else builds a complete new snapshot (load.ts);
// either way the new state is swapped in synchronously, so a lookup never sees half an update. A full reload every
// 10 minutes picks up rows changed without a log entry (by hand in SQL).
//
// Bursts of writes (bulk provisioning: four API writes per user) coalesce: change signals share one version
// watcher, and every reload asked for while one runs shares a single follow-up reload, started after a pause as
// long as the last reload took (capped at 1 s). So a burst costs at most about half a core per node however many
// writes it holds, and a write is visible within about two reload times.
import type { Kysely } from 'kysely';
import type { Database } from '../schema/index.ts';
import { listenPostgres, onDirectoryChange, readDirectoryVersion, type ChangeSubscription } from './changes.ts';
import { applyDelta, emptySnapshot, extensionKey, loadDelta, loadSnapshot, terminalKey, type Snapshot } from './load.ts';
import type { DirectoryClient, DirectoryExtension, DirectoryTerminal, DirectoryUser, DomainEntry } from './types.ts';

export type * from './types.ts';

export interface DirectoryOptions {
  /** Period of the safety-net version check, ms (default 5000; 0 disables it). */
  pollIntervalMs?: number;
  /** PostgreSQL only: LISTEN for other nodes' changes over a dedicated connection to this URL. */
  listenUrl?: string;
  /**
   * Period of a full reload whatever the change log says, ms (default 600 000; 0 disables it): the safety net for
   * rows changed without logging it (by hand in SQL, a writer that forgot `bumpDirectoryVersion`).
   */
  fullReloadIntervalMs?: number;
  /** Errors of background reloads (default: ignored; the next check retries). */
  onError?: (err: unknown) => void;
}

/** Delays between re-reads of the version while a signalled writer has not committed yet (ms). */
const COMMIT_WAIT_MS = [5, 10, 20, 40, 80, 160, 320, 640];
/** Longest pause before a follow-up reload (the pause is the last reload's duration, up to this). */
const MAX_RELOAD_PAUSE_MS = 1000;

export class Directory {
  readonly #db: Kysely<Database>;
  readonly #opts: DirectoryOptions;
  #snap: Snapshot = emptySnapshot();
  #reloading: Promise<void> | null = null;
  /** the one reload queued behind the running one; every caller meanwhile shares it */
  #followUp: Promise<void> | null = null;
  #lastReloadMs = 0;
  /** highest version announced by a change signal; one watcher at a time waits for it (#onSignal) */
  #signalled = 0;
  #watching = false;
  /** reloads started, for tests of the coalescing */
  #reloads = 0;
  /** reloads done by a delta (the rows of the changed entities only) */
  #deltas = 0;
  /** reloads done by reading everything */
  #fulls = 0;
  #timer: NodeJS.Timeout | null = null;
  #fullTimer: NodeJS.Timeout | null = null;
  /** the next reload reads everything (the periodic full reload) */
  #fullNext = false;
  #unsubscribe: (() => void) | null = null;
  #listen: ChangeSubscription | null = null;
  #waiters: Array<{ version: number; resolve: () => void }> = [];
  #closed = false;

  private constructor(db: Kysely<Database>, opts: DirectoryOptions) {
    this.#db = db;
    this.#opts = opts;
  }

  /** Loads the directory and starts watching for changes. Call `close()` when done. */
  static async open(db: Kysely<Database>, opts: DirectoryOptions = {}): Promise<Directory> {
    const d = new Directory(db, opts);
    await d.reload();
    d.#unsubscribe = onDirectoryChange((v) => d.#onSignal(v));
    if (opts.listenUrl) {
      d.#listen = await listenPostgres(opts.listenUrl, (v) => d.#onSignal(v), () => d.#background(d.refreshIfChanged()));
    }
    const every = opts.pollIntervalMs ?? 5000;
    if (every > 0) {
      d.#timer = setInterval(() => d.#background(d.refreshIfChanged()), every);
      d.#timer.unref();
    }
    const full = opts.fullReloadIntervalMs ?? 600_000;
    if (full > 0) {
      d.#fullTimer = setInterval(() => {
        d.#fullNext = true;
        d.#background(d.reload());
      }, full);
      d.#fullTimer.unref();
    }
    return d;
  }

  /** The loaded snapshot (read-only: tests and diagnostics; lookups go through the methods below). */
  get snapshot(): Snapshot {
    return this.#snap;
  }

  /** Version of the loaded snapshot. */
  get version(): number {
    return this.#snap.version;
  }

  domain(domain: string): DomainEntry | undefined {
    return this.#snap.domains.get(domain.toLowerCase());
  }

  /** The terminal `name` (case-sensitive, RFC 3261 §19.1.4) of the vPBX client owning `domain`. */
  terminal(domain: string, name: string): DirectoryTerminal | undefined {
    return this.#snap.terminals.get(terminalKey(domain, name));
  }

  terminalById(id: number): DirectoryTerminal | undefined {
    return this.#snap.terminalsById.get(id);
  }

  user(id: number): DirectoryUser | undefined {
    return this.#snap.users.get(id);
  }

  client(id: number): DirectoryClient | undefined {
    return this.#snap.clients.get(id);
  }

  extension(clientId: number, n: string): DirectoryExtension | undefined {
    return this.#snap.extensions.get(extensionKey(clientId, n));
  }

  /** Reloads started since open (the first load included). */
  get reloadCount(): number {
    return this.#reloads;
  }

  /** Reloads done incrementally since open: the rows of the changed users, terminals and extensions only (load.ts). */
  get deltaCount(): number {
    return this.#deltas;
  }

  /** Reloads done by reading everything since open (the first load included). */
  get fullLoadCount(): number {
    return this.#fulls;
  }

  /**
   * Loads a snapshot that starts after this call: now when none is running, else the single follow-up reload
   * that every caller during the running one shares (see the file header).
   */
  reload(): Promise<void> {
    if (this.#followUp) return this.#followUp;
    if (!this.#reloading) return this.#startReload();
    const pause = Math.min(MAX_RELOAD_PAUSE_MS, this.#lastReloadMs);
    this.#followUp = this.#reloading
      .catch(() => undefined) // the follow-up runs even when the running reload failed
      .then(() => (pause > 0 ? new Promise<void>((r) => setTimeout(r, pause).unref()) : undefined))
      .then(() => {
        this.#followUp = null;
        return this.#startReload();
      });
    return this.#followUp;
  }

  #startReload(): Promise<void> {
    if (this.#closed && this.#reloads > 0) return Promise.resolve();
    this.#reloads++;
    const started = performance.now();
    this.#reloading = (async () => {
      try {
        const full = this.#fullNext;
        this.#fullNext = false;
        const delta = full ? null : await loadDelta(this.#db, this.#snap);
        let applied = false;
        if (delta) {
          try {
            // reloads run one at a time, so the snapshot is still the one the delta was read against
            this.#snap = applyDelta(this.#snap, delta);
            this.#deltas++;
            applied = true;
          } catch (e) {
            // a bug: the maps may be half changed, so read everything (and say so)
            this.#opts.onError?.(e);
          }
        }
        // Whatever a full load finds is the truth, also a version lower than ours (a restored store): reloads run
        // one at a time, so no older load can overtake a newer one.
        if (!applied) {
          this.#snap = await loadSnapshot(this.#db);
          this.#fulls++;
        }
        this.#wake();
      } finally {
        this.#lastReloadMs = performance.now() - started;
        this.#reloading = null;
      }
    })();
    return this.#reloading;
  }

  /** Re-reads the version and reloads when it moved. Returns true when it reloaded. */
  async refreshIfChanged(): Promise<boolean> {
    if (this.#closed) return false;
    const v = await readDirectoryVersion(this.#db);
    if (v === this.#snap.version) return false;
    await this.reload();
    return true;
  }

  /** Resolves once a snapshot with version ≥ `version` is loaded (tests, and callers that just wrote). */
  waitForVersion(version: number): Promise<void> {
    if (this.#snap.version >= version) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ version, resolve }));
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    if (this.#fullTimer) clearInterval(this.#fullTimer);
    this.#unsubscribe?.();
    await this.#listen?.close();
    await this.#followUp?.catch(() => {});
    await this.#reloading?.catch(() => {});
  }

  #wake(): void {
    const ready = this.#waiters.filter((w) => w.version <= this.#snap.version);
    this.#waiters = this.#waiters.filter((w) => w.version > this.#snap.version);
    for (const w of ready) w.resolve();
  }

  #background(p: Promise<unknown>): void {
    p.catch((err: unknown) => this.#opts.onError?.(err));
  }

  /**
   * A writer announced `version`: wait until it is committed (or give up: the poll catches it), then reload. One
   * watcher runs at a time and follows the highest version announced meanwhile.
   */
  #onSignal(version: number): void {
    if (this.#closed || version <= this.#snap.version) return;
    if (version > this.#signalled) this.#signalled = version;
    if (this.#watching) return;
    this.#watching = true;
    this.#background((async () => {
      try {
        let delays = 0;
        while (!this.#closed && this.#snap.version < this.#signalled) {
          const committed = await readDirectoryVersion(this.#db);
          if (committed > this.#snap.version) {
            await this.reload(); // takes whatever is committed by then; later signals keep the loop going
            delays = 0;
            continue;
          }
          // the writer has not committed yet, or its transaction rolled back: wait, then give up to the poll
          const delay = COMMIT_WAIT_MS[delays++];
          if (delay === undefined) return;
          await new Promise((r) => setTimeout(r, delay).unref());
        }
      } finally {
        this.#watching = false;
      }
    })());
  }
}
