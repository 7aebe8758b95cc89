// Heap of the Switchyard process after a full GC, read through the V8 inspector (the process runs with
// NODE_OPTIONS=--inspect=127.0.0.1:PORT): RSS alone swings by tens of MB with the GC, far more than what a few
// thousand registrations or calls hold. One short DevTools-protocol session per reading. The process's worker
// threads (the store and media threads of `switchyard start`) have heaps of their own: a reading covers them too,
// through the NodeWorker domain (commands relayed to each worker's own inspector session).
import WebSocket from 'ws';

export interface HeapReading {
  heapUsed: number;
  external: number;
  rss: number;
}

async function wsUrl(port: number): Promise<string> {
  const r = await fetch(`http://127.0.0.1:${port}/json/list`, { signal: AbortSignal.timeout(5000) });
  const list = (await r.json()) as Array<{ webSocketDebuggerUrl?: string }>;
  const url = list[0]?.webSocketDebuggerUrl;
  if (!url) throw new Error('no inspector target');
  return url;
}

type Call = (method: string, params?: Record<string, unknown>) => Promise<Record<string, unknown>>;

type Listener = (params: Record<string, unknown>) => void;

/**
 * One DevTools-protocol session: `call` sends a command and resolves with its result; `on` listens to an event.
 */
async function session(port: number): Promise<{ ws: WebSocket; call: Call; on: (method: string, l: Listener) => void }> {
  const ws = new WebSocket(await wsUrl(port));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let id = 0;
  const pending = new Map<number, (v: Record<string, unknown>) => void>();
  const listeners = new Map<string, Listener[]>();
  ws.on('message', (d: Buffer) => {
    const m = JSON.parse(d.toString()) as { id?: number; result?: Record<string, unknown>; method?: string; params?: Record<string, unknown> };
    if (m.id !== undefined) pending.get(m.id)?.(m.result ?? {});
    else if (m.method !== undefined) for (const l of listeners.get(m.method) ?? []) l(m.params ?? {});
  });
  const on = (method: string, l: Listener): void => {
    listeners.set(method, [...(listeners.get(method) ?? []), l]);
  };
  const call = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const my = ++id;
      const t = setTimeout(() => reject(new Error(`inspector ${method} timed out`)), 15_000);
      pending.set(my, (v) => {
        clearTimeout(t);
        resolve(v);
      });
      ws.send(JSON.stringify({ id: my, method, params }));
    });
  return { ws, call, on };
}

const MEMORY = { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true };

/** Heap + external of each worker thread after a full GC there: one relayed session per worker. */
async function workerHeaps(call: Call, on: (method: string, l: Listener) => void): Promise<Array<{ heapUsed: number; external: number }>> {
  const sessions: string[] = [];
  on('NodeWorker.attachedToWorker', (p) => sessions.push(String(p.sessionId)));
  const replies = new Map<string, (v: Record<string, unknown>) => void>();
  on('NodeWorker.receivedMessageFromWorker', (p) => {
    const m = JSON.parse(String(p.message)) as { id?: number; result?: Record<string, unknown> };
    if (m.id !== undefined) replies.get(`${String(p.sessionId)}/${m.id}`)?.(m.result ?? {});
  });
  // attaches to the running workers: their attachedToWorker events come before this command's reply
  await call('NodeWorker.enable', { waitForDebuggerOnStart: false });
  let id = 0;
  const inWorker = (sessionId: string, method: string, params: Record<string, unknown> = {}) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const my = ++id;
      const t = setTimeout(() => reject(new Error(`inspector ${method} in a worker timed out`)), 15_000);
      replies.set(`${sessionId}/${my}`, (v) => {
        clearTimeout(t);
        resolve(v);
      });
      void call('NodeWorker.sendMessageToWorker', { sessionId, message: JSON.stringify({ id: my, method, params }) });
    });
  const out = [];
  for (const s of sessions) {
    await inWorker(s, 'HeapProfiler.collectGarbage');
    await inWorker(s, 'HeapProfiler.collectGarbage');
    const r = await inWorker(s, 'Runtime.evaluate', MEMORY);
    const v = JSON.parse(String((r.result as { value?: string }).value)) as HeapReading;
    out.push({ heapUsed: v.heapUsed, external: v.external });
  }
  return out;
}

/**
 * Forces a full GC in the inspected process and in each of its worker threads, and returns process.memoryUsage()
 * from inside it, heap and external summed over the main thread and the workers.
 */
export async function heapAfterGc(port: number): Promise<HeapReading> {
  const { ws, call, on } = await session(port);
  try {
    const workers = await workerHeaps(call, on);
    await call('HeapProfiler.collectGarbage');
    await call('HeapProfiler.collectGarbage'); // a second pass frees what the first one's finalizers released
    const r = await call('Runtime.evaluate', MEMORY);
    const v = JSON.parse(String((r.result as { value?: string }).value)) as HeapReading;
    return {
      heapUsed: workers.reduce((n, w) => n + w.heapUsed, v.heapUsed),
      external: workers.reduce((n, w) => n + w.external, v.external),
      rss: v.rss,
    };
  } finally {
    ws.close();
  }
}

/**
 * Starts the V8 CPU profiler in the inspected process (`--cpu-prof DIR` of run.ts); the returned function stops it
 * and yields the profile (.cpuprofile JSON). Profiling costs CPU itself: steps run with it are for reading, not figures.
 */
export async function startCpuProfile(port: number, intervalUs = 200): Promise<() => Promise<unknown>> {
  const { ws, call } = await session(port);
  await call('Profiler.enable');
  await call('Profiler.setSamplingInterval', { interval: intervalUs });
  await call('Profiler.start');
  return async () => {
    try {
      return (await call('Profiler.stop')).profile;
    } finally {
      ws.close();
    }
  };
}
