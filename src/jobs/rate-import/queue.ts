// The rate-import job table as a queue: enqueue, claim (one job per worker, `FOR UPDATE SKIP LOCKED` so several
// nodes never take the same job), heartbeat/progress, finish. A job whose worker stopped heartbeating (crash,
// restart) goes back to the queue: an import changes nothing until its final transaction commits, so running it
// again is safe.
import { sql, type Kysely, type Selectable } from 'kysely';
import type { RateCsvColumns } from '../../domain/rating/index.ts';
import type { Database } from '../../store/schema/index.ts';
import type { RateImportsTable } from '../../store/schema/billing.ts';

export type RateImportJob = Selectable<RateImportsTable>;

export interface NewRateImport {
  readonly brandId: number;
  readonly destinationRateId: number;
  readonly fileName: string;
  readonly file: string;
  readonly columns?: RateCsvColumns | undefined;
  readonly skipFirstLine?: boolean | undefined;
}

export async function enqueueRateImport(db: Kysely<Database>, job: NewRateImport): Promise<number> {
  const r = await db
    .insertInto('rateImports')
    .values({
      brandId: job.brandId, destinationRateId: job.destinationRateId, fileName: job.fileName, file: job.file,
      columns: job.columns ? JSON.stringify(job.columns) : null, skipFirstLine: job.skipFirstLine ?? false,
      totalLines: countLines(job.file),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

/** Puts back jobs of workers silent for `staleMs`. Returns how many. */
export async function requeueStale(db: Kysely<Database>, staleMs: number): Promise<number> {
  const r = await db
    .updateTable('rateImports')
    .set({ status: 'queued', worker: null, progress: 0 })
    .where('status', '=', 'running')
    .where(sql<boolean>`heartbeat_at < now() - make_interval(secs => ${staleMs / 1000})`)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Takes the oldest queued job for `worker`, or undefined. */
export async function claimNext(db: Kysely<Database>, worker: string): Promise<RateImportJob | undefined> {
  const r = await sql<{ id: number }>`
    update rate_imports set status = 'running', worker = ${worker}, started_at = now(), heartbeat_at = now(), progress = 0
    where id = (select id from rate_imports where status = 'queued' order by id limit 1 for update skip locked)
    returning id`.execute(db);
  const id = r.rows[0]?.id;
  if (id === undefined) return undefined;
  return db.selectFrom('rateImports').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function reportProgress(db: Kysely<Database>, id: number, worker: string, progress: number): Promise<void> {
  await db.updateTable('rateImports').set({ progress, heartbeatAt: sql<Date>`now()` })
    .where('id', '=', id).where('worker', '=', worker).execute();
}

export async function markFailed(db: Kysely<Database>, id: number, errors: unknown[], errorCount: number, progress: number): Promise<void> {
  await db.updateTable('rateImports')
    .set({ status: 'failed', errors: JSON.stringify(errors), errorCount, progress, finishedAt: sql<Date>`now()` })
    .where('id', '=', id).execute();
}

/** Lines of a text as a user counts them (a last line without newline counts). */
export function countLines(text: string): number {
  if (text.length === 0) return 0;
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return text.endsWith('\n') ? n : n + 1;
}

/** The file of the last successful import of a destination rate (seed-part1 §2.23 "Imported file"). */
export async function lastImportedFile(db: Kysely<Database>, destinationRateId: number): Promise<{ fileName: string; file: string } | undefined> {
  return db.selectFrom('rateImports').select(['fileName', 'file'])
    .where('destinationRateId', '=', destinationRateId).where('status', '=', 'done')
    .orderBy('finishedAt', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
}
