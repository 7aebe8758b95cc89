// The embedded store on a thread of its own. PGlite is PostgreSQL compiled to WASM: a statement runs
// synchronously wherever the instance lives (a simple query ~170 µs, a portal page or a directory load tens of
// ms). In the signalling thread that time is taken from SIP: under call load PGlite was about 5 % of the thread
// (call records, registrations mirror), and an API query stalled every call for as long as it ran. Here the
// instance lives in a worker thread (pglite-thread-worker.ts) and the driver posts each statement to it.
//
// The driver's mutex (pglite-driver.ts) still hands the one session to one caller at a time, so transactions
// keep their statements together exactly as in process. The thread does not keep the process alive while idle
// (nobody waiting on it), so a tool that forgets `close()` still exits, as with an in-process instance.
import { Worker } from 'node:worker_threads';
import type { PgliteSession, StatementResult } from './pglite-session.ts';

export interface StoreThreadData {
  dataDir: string;
  /** a data-directory dump to start from (tests' templates) */
  template?: ArrayBuffer;
}

export type StoreThreadRequest =
  | { id: number; op: 'run'; sql: string; parameters: readonly unknown[] }
  | { id: number; op: 'close' };

/** An error from the thread: PostgreSQL's fields (code, constraint, detail…) kept for errors.ts. */
export interface WireError {
  name: string;
  message: string;
  fields: Record<string, string | number>;
}

/** id 0 answers the start (opened, or why not). */
export type StoreThreadReply = { id: number; ok: true; result: StatementResult } | { id: number; ok: false; error: WireError };

const LOADER = new URL('../../bin/typescript.mjs', import.meta.url).href;

/** The thread's error, with the stack of the call that sent the statement (`origin`), as an in-process error has. */
function fromWire(w: WireError, origin: Error): Error {
  const e = new Error(w.message);
  e.name = w.name;
  const frames = origin.stack?.split('\n').slice(1).join('\n');
  if (frames) e.stack = `${w.name}: ${w.message}\n${frames}`;
  return Object.assign(e, w.fields);
}

/**
 * Starts the store thread and opens PGlite there; rejects with PGlite's own error when it cannot open.
 * `workerUrl`: another thread speaking the same messages (tests of a thread that dies).
 */
export async function openPgliteThread(dataDir: string, template?: Blob, workerUrl = new URL('./pglite-thread-worker.ts', import.meta.url)): Promise<PgliteSession> {
  const data: StoreThreadData = { dataDir };
  const transferList: ArrayBuffer[] = [];
  if (template) {
    data.template = await template.arrayBuffer();
    transferList.push(data.template);
  }
  const worker = new Worker(workerUrl, {
    workerData: data,
    transferList,
    name: 'switchyard-store',
    // the thread loads its TypeScript with the platform's loader, whatever loaded this one
    execArgv: ['--import', LOADER],
  });
  const pending = new Map<number, { resolve: (r: StatementResult) => void; reject: (e: Error) => void; origin: Error }>();
  let nextId = 1;
  /** set once the thread can take no more statements: why, for every later caller */
  let ended: string | undefined;
  /** set by close(): an end after it is no failure */
  let closing: Promise<void> | undefined;
  let reportFailure: (e: Error) => void = () => undefined;
  const failed = new Promise<Error>((resolve) => {
    reportFailure = resolve;
  });

  const settle = (reply: StoreThreadReply): void => {
    const p = pending.get(reply.id);
    if (!p) return;
    pending.delete(reply.id);
    if (pending.size === 0) worker.unref();
    if (reply.ok) p.resolve(reply.result);
    else p.reject(fromWire(reply.error, p.origin));
  };
  const endAll = (why: string): void => {
    if (ended === undefined && closing === undefined) reportFailure(new Error(why));
    ended ??= why;
    for (const p of pending.values()) p.reject(new Error(ended));
    pending.clear();
  };
  const request = (req: StoreThreadRequest): Promise<StatementResult> =>
    new Promise((resolve, reject) => {
      if (ended !== undefined) return reject(new Error(ended));
      // the caller's stack, for the error a failed statement comes back with (a few µs; statements cost far more)
      pending.set(req.id, { resolve, reject, origin: new Error() });
      if (pending.size === 1) worker.ref();
      try {
        worker.postMessage(req);
      } catch (e) {
        // a parameter structured clone cannot carry (a function, a symbol): refused here, nothing was sent
        pending.delete(req.id);
        if (pending.size === 0) worker.unref();
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });

  worker.on('message', settle);
  worker.on('error', (e) => endAll(`store thread failed: ${e.message}`));
  worker.on('exit', (code) => endAll(`store thread exited (code ${code})`));

  // id 0: the thread's start
  try {
    await new Promise<void>((resolve, reject) => {
      pending.set(0, { resolve: () => resolve(), reject, origin: new Error() });
    });
  } catch (e) {
    await worker.terminate();
    throw e;
  }

  return {
    run: (sql, parameters) => request({ id: nextId++, op: 'run', sql, parameters }),
    close() {
      closing ??= (async () => {
        try {
          if (ended === undefined) await request({ id: nextId++, op: 'close' });
        } finally {
          ended ??= 'store closed';
          await worker.terminate();
        }
      })();
      return closing;
    },
    failed,
  };
}
