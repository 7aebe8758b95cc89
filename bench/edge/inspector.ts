// Heap of the Switchyard process after a full GC, read through the V8 inspector (the process runs with
// NODE_OPTIONS=--inspect=127.0.0.1:PORT): RSS alone swings by tens of MB with the GC, far more than what a few
// thousand registrations or calls hold. One short DevTools-protocol session per reading.
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

/** One DevTools-protocol session: `call` sends a command and resolves with its result. */
async function session(port: number): Promise<{ ws: WebSocket; call: Call }> {
  const ws = new WebSocket(await wsUrl(port));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let id = 0;
  const pending = new Map<number, (v: Record<string, unknown>) => void>();
  ws.on('message', (d: Buffer) => {
    const m = JSON.parse(d.toString()) as { id?: number; result?: Record<string, unknown> };
    if (m.id !== undefined) pending.get(m.id)?.(m.result ?? {});
  });
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
  return { ws, call };
}

/** Forces a full GC in the inspected process and returns process.memoryUsage() from inside it. */
export async function heapAfterGc(port: number): Promise<HeapReading> {
  const { ws, call } = await session(port);
  try {
    await call('HeapProfiler.collectGarbage');
    await call('HeapProfiler.collectGarbage'); // a second pass frees what the first one's finalizers released
    const r = await call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true });
    const v = JSON.parse(String((r.result as { value?: string }).value)) as HeapReading;
    return { heapUsed: v.heapUsed, external: v.external, rss: v.rss };
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
