// The store thread (started by pglite-thread.ts): one PGlite instance, statements run in the order they arrive.
// Replies carry plain values only (rows are structured-cloned); an error goes back as its PostgreSQL fields, so
// errors.ts reads a thread store's errors as it reads an in-process one's.
import { parentPort, workerData } from 'node:worker_threads';
import type { PGlite } from '@electric-sql/pglite';
import { openPglite, runStatement } from './pglite-session.ts';
import type { StoreThreadData, StoreThreadReply, StoreThreadRequest, WireError } from './pglite-thread.ts';

/** PostgreSQL error fields worth carrying (not `params` or `query`: they may hold secrets, and the caller has them). */
const FIELDS = ['severity', 'code', 'detail', 'hint', 'position', 'where', 'schema', 'table', 'column', 'dataType', 'constraint', 'routine'] as const;

function toWire(e: unknown): WireError {
  if (!(e instanceof Error)) return { name: 'Error', message: String(e), fields: {} };
  const fields: Record<string, string | number> = {};
  const rec = e as unknown as Record<string, unknown>;
  for (const f of FIELDS) {
    const v = rec[f];
    if (typeof v === 'string' || typeof v === 'number') fields[f] = v;
  }
  return { name: e.name, message: e.message, fields };
}

async function main(): Promise<void> {
  const port = parentPort!;
  const data = workerData as StoreThreadData;
  let pg: PGlite;
  try {
    pg = await openPglite(data.dataDir, data.template ? new Blob([data.template]) : undefined);
  } catch (e) {
    port.postMessage({ id: 0, ok: false, error: toWire(e) } satisfies StoreThreadReply);
    return;
  }
  port.postMessage({ id: 0, ok: true, result: { rows: [] } } satisfies StoreThreadReply);
  // PGlite runs one statement at a time anyway; a chain keeps replies in order and a failure from stopping the rest
  let chain: Promise<void> = Promise.resolve();
  port.on('message', (req: StoreThreadRequest) => {
    chain = chain.then(async () => {
      let reply: StoreThreadReply;
      try {
        if (req.op === 'close') {
          if (!pg.closed) await pg.close();
          reply = { id: req.id, ok: true, result: { rows: [] } };
        } else {
          reply = { id: req.id, ok: true, result: await runStatement(pg, req.sql, req.parameters) };
        }
      } catch (e) {
        reply = { id: req.id, ok: false, error: toWire(e) };
      }
      try {
        port.postMessage(reply);
      } catch (e) {
        // a value structured clone cannot carry: the caller gets an error, not a hang
        port.postMessage({ id: req.id, ok: false, error: toWire(e) } satisfies StoreThreadReply);
      }
      if (req.op === 'close') port.close();
    }).catch(() => undefined); // nothing above throws; a rejected chain would stop every later statement
  });
}

void main();
