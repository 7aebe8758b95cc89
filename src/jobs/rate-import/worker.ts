// The rate-import worker (in-process job runner): polls the queue, parses the claimed job's CSV in chunks
// (progress and heartbeat written as it goes), then applies all rows in one transaction (apply.ts) and marks
// the job done in that same transaction — or failed with the parser's errors (line and column), changing
// nothing. Jobs left running by a dead worker are re-queued after `staleMs`, so queued work survives restarts.
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { RateCsvParser, type RateCsvColumns } from '../../domain/rating/index.ts';
import type { Database } from '../../store/schema/index.ts';
import { notifyBillingChange } from '../../billing/versions.ts';
import { stepClock, type StepSink } from '../../billing/step-clock.ts';
import { detectBackend, type StoreBackend } from '../../billing/bulk-copy.ts';
import { applyImport } from './apply.ts';
import { claimNext, markFailed, reportProgress, requeueStale, type RateImportJob } from './queue.ts';

export interface RateImportWorkerOptions {
  readonly db: Kysely<Database>;
  /** Poll period, ms (default 1000). */
  readonly pollMs?: number;
  /** A running job without heartbeat for this long is re-queued, ms (default 60 000). */
  readonly staleMs?: number;
  /** Characters fed to the parser per step (default 64 KiB); progress is written after each. */
  readonly chunkChars?: number;
  readonly name?: string;
  /** Minimum time between two progress writes while parsing, ms (default 250). */
  readonly progressMs?: number;
  /** Per-step timings: parse, progress, apply steps (lock, stage, destinations, rates, version), commit. */
  readonly onStep?: StepSink;
  /** `store.kind` (staging with COPY on 'postgres', unnest on 'pglite'); default: asked from the server once. */
  readonly backend?: StoreBackend;
}

export class RateImportWorker {
  readonly #db: Kysely<Database>;
  readonly #pollMs: number;
  readonly #staleMs: number;
  readonly #chunk: number;
  readonly #progressMs: number;
  readonly #onStep: StepSink | undefined;
  readonly #backend: StoreBackend | undefined;
  readonly name: string;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | undefined;
  #again = false;

  constructor(opts: RateImportWorkerOptions) {
    this.#db = opts.db;
    this.#pollMs = opts.pollMs ?? 1000;
    this.#staleMs = opts.staleMs ?? 60_000;
    this.#chunk = opts.chunkChars ?? 64 * 1024;
    this.#progressMs = opts.progressMs ?? 250;
    this.#onStep = opts.onStep;
    this.#backend = opts.backend;
    this.name = opts.name ?? `rate-import-${randomUUID().slice(0, 8)}`;
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.kick(), this.#pollMs);
    this.#timer.unref();
    this.kick();
  }

  /** Runs the queue now (coalesced with a run in progress). */
  kick(): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.runOnce()
      .catch(() => 0)
      .finally(() => {
        this.#running = undefined;
        if (this.#again) {
          this.#again = false;
          this.kick();
        }
      });
  }

  /** Waits for the current run, stops polling. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#again = false;
    await this.#running;
  }

  /** Processes queued jobs until none is left. Returns how many were processed. */
  async runOnce(): Promise<number> {
    await requeueStale(this.#db, this.#staleMs);
    let n = 0;
    for (let job = await claimNext(this.#db, this.name); job; job = await claimNext(this.#db, this.name)) {
      await this.#process(job);
      n++;
    }
    return n;
  }

  async #process(job: RateImportJob): Promise<void> {
    const lap = stepClock(this.#onStep);
    const backend = this.#backend ?? (await detectBackend(this.#db));
    const parser = new RateCsvParser({
      ...(job.columns ? { columns: job.columns as unknown as RateCsvColumns } : {}),
      skipFirstLine: job.skipFirstLine,
    });
    const text = job.file;
    let lines = 0;
    let reportedAt = performance.now();
    for (let at = 0; at < text.length; at += this.#chunk) {
      const part = text.slice(at, at + this.#chunk);
      parser.write(part);
      for (let i = part.indexOf('\n'); i !== -1; i = part.indexOf('\n', i + 1)) lines++;
      lap('parse');
      // Progress is also the heartbeat: written every progressMs, not every chunk (each write is a round trip).
      if (performance.now() - reportedAt >= this.#progressMs) {
        await reportProgress(this.#db, job.id, this.name, lines);
        reportedAt = performance.now();
        lap('progress');
      }
    }
    const parsed = parser.end();
    lap('parse');
    if (!parsed.ok) {
      await markFailed(this.#db, job.id, [...parsed.errors], parsed.errorCount, job.totalLines);
      return;
    }
    await reportProgress(this.#db, job.id, this.name, lines);
    lap('progress');
    try {
      const applied = await this.#db.transaction().execute(async (trx) => {
        const r = await applyImport(trx, job.destinationRateId, parsed.rows, this.#onStep, backend);
        lap('apply (total)');
        if (!r.ok) return r;
        await trx.updateTable('rateImports')
          .set({ status: 'done', progress: job.totalLines, result: JSON.stringify(r.result), finishedAt: sql<Date>`now()` })
          .where('id', '=', job.id).execute();
        lap('done');
        return r;
      });
      lap('commit');
      if (!applied.ok) {
        await markFailed(this.#db, job.id, [{ line: 0, code: applied.code, message: 'the destination rate no longer exists' }], 1, job.totalLines);
        return;
      }
      notifyBillingChange(applied.brandId);
    } catch (err) {
      await markFailed(this.#db, job.id, [{ line: 0, code: 'import_failed', message: err instanceof Error ? err.message : String(err) }], 1, lines);
    }
  }
}
