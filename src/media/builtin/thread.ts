// The builtin engine on a thread of its own (`switchyard start`). The relay handles every RTP and RTCP packet of
// every call: about 200 packets a second per call at 20 ms packetisation, each received and sent again. On the
// SIP signalling thread that load grows with the calls up and delays signalling; here it has a worker thread
// (thread-worker.ts) and the B2BUA talks to it through the same MediaEngine interface it uses for rtpengine:
// offer, answer and delete are messages, and so is a media timeout coming back.
//
// The thread does not keep the process alive while nobody waits on it (as the store thread, src/store/
// pglite-thread.ts); its relay sockets live in the thread and close with `close()`.
//
// Messages go in batches, one per event-loop turn each way: a postMessage costs some 11 µs of the sender's
// thread whatever it carries (profile at 800 calls/s: 43 µs per call for offer, answer and delete one by one),
// and a turn of a busy signalling thread asks for several calls' media at once.
import { Worker } from 'node:worker_threads';
import {
  mediaError,
  type AnswerRequest,
  type CallStats,
  type DeleteRequest,
  type EngineHealth,
  type MediaEngine,
  type MediaResult,
  type OfferRequest,
} from '../engine.ts';
import { checkBuiltinOptions, type BuiltinEngineOptions } from './engine.ts';

/** What the thread is started with: the engine's options without the functions (they stay here). */
export type EngineThreadData = Omit<BuiltinEngineOptions, 'onTimeout' | 'now'>;

export type EngineThreadRequest =
  | { id: number; op: 'offer'; req: OfferRequest }
  | { id: number; op: 'answer'; req: AnswerRequest }
  | { id: number; op: 'delete'; req: DeleteRequest }
  | { id: number; op: 'query'; callId: string }
  | { id: number; op: 'ping' }
  | { id: number; op: 'close' };

export type EngineThreadMessage =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; message: string }
  | { event: 'timeout'; callId: string };

/**
 * Collects what one side sends during an event-loop turn and posts it as one message (an array) from the turn's
 * check phase (setImmediate): after every I/O callback of the turn, so a busy turn's requests travel together.
 */
export class TurnBatcher<T> {
  #items: T[] = [];
  #scheduled = false;

  constructor(private readonly post: (items: T[]) => void) {}

  push(item: T): void {
    this.#items.push(item);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Posts what is collected now (also when the turn ends). */
  flush(): void {
    this.#scheduled = false;
    if (this.#items.length === 0) return;
    const items = this.#items;
    this.#items = [];
    this.post(items);
  }
}

const LOADER = new URL('../../../bin/typescript.mjs', import.meta.url).href;

/** How long `close()` waits for the thread to close its sockets before ending it. */
const CLOSE_WAIT_MS = 2000;

export class BuiltinEngineThread implements MediaEngine {
  readonly kind = 'builtin';
  readonly capabilities = { transcoding: false };
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #nextId = 1;
  /** why the thread takes no more requests */
  #ended: string | undefined;
  #closing: Promise<void> | undefined;
  #reportFailure: (e: Error) => void = () => undefined;
  readonly #out: TurnBatcher<EngineThreadRequest>;
  readonly failed = new Promise<Error>((resolve) => {
    this.#reportFailure = resolve;
  });

  /**
   * @param workerUrl another thread speaking the same messages (tests of a thread that dies)
   * @throws RangeError for options the engine would refuse (checked here, before the thread starts)
   */
  constructor(opts: BuiltinEngineOptions = {}, workerUrl = new URL('./thread-worker.ts', import.meta.url)) {
    checkBuiltinOptions(opts);
    const { onTimeout, now: _now, ...data } = opts;
    this.#worker = new Worker(workerUrl, {
      workerData: data satisfies EngineThreadData,
      name: 'switchyard-media',
      // the thread loads its TypeScript with the platform's loader, whatever loaded this one
      execArgv: ['--import', LOADER],
    });
    this.#worker.unref();
    this.#out = new TurnBatcher((batch) => this.#post(batch));
    this.#worker.on('message', (batch: EngineThreadMessage[]) => {
      for (const m of batch) this.#settle(m, onTimeout);
    });
    this.#worker.on('error', (e) => this.#end(`media thread failed: ${e.message}`));
    this.#worker.on('exit', (code) => this.#end(`media thread exited (code ${code})`));
  }

  offer(req: OfferRequest): Promise<MediaResult<{ sdp: string }>> {
    return this.#engineCall({ id: this.#nextId++, op: 'offer', req });
  }

  answer(req: AnswerRequest): Promise<MediaResult<{ sdp: string }>> {
    return this.#engineCall({ id: this.#nextId++, op: 'answer', req });
  }

  delete(req: DeleteRequest): Promise<MediaResult<{}>> {
    return this.#engineCall({ id: this.#nextId++, op: 'delete', req });
  }

  query(callId: string): Promise<MediaResult<{ stats: CallStats }>> {
    return this.#engineCall({ id: this.#nextId++, op: 'query', callId });
  }

  async ping(): Promise<EngineHealth> {
    try {
      return (await this.#request({ id: this.#nextId++, op: 'ping' })) as EngineHealth;
    } catch (e) {
      return { ok: false, detail: [(e as Error).message] };
    }
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#ended === undefined) {
        // the engine closes its sockets; a thread that does not answer in time is ended anyway
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, CLOSE_WAIT_MS);
        });
        await Promise.race([this.#request({ id: this.#nextId++, op: 'close' }).catch(() => undefined), late]);
        clearTimeout(timer);
      }
      this.#end('media engine closed');
      await this.#worker.terminate();
    })();
    return this.#closing;
  }

  /**
   * A request whose failure is the engine's error value, as from rtpengine: `no_engine` once the thread is gone
   * (the caller answers 503, as for an rtpengine set that is down), `engine_error` for an exception there.
   */
  async #engineCall<T>(req: EngineThreadRequest): Promise<MediaResult<T>> {
    try {
      return (await this.#request(req)) as MediaResult<T>;
    } catch (e) {
      return mediaError(this.#ended !== undefined ? 'no_engine' : 'engine_error', (e as Error).message);
    }
  }

  #request(req: EngineThreadRequest): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (this.#ended !== undefined) return reject(new Error(this.#ended));
      this.#pending.set(req.id, { resolve, reject });
      if (this.#pending.size === 1) this.#worker.ref();
      this.#out.push(req);
    });
  }

  #post(batch: EngineThreadRequest[]): void {
    try {
      this.#worker.postMessage(batch);
    } catch (e) {
      // a value structured clone cannot carry: the batch was not sent, its requests fail (the engine takes none)
      for (const req of batch) this.#settle({ id: req.id, ok: false, message: e instanceof Error ? e.message : String(e) });
    }
  }

  #settle(m: EngineThreadMessage, onTimeout?: (callId: string) => void): void {
    if ('event' in m) return onTimeout?.(m.callId);
    const p = this.#pending.get(m.id);
    if (!p) return;
    this.#pending.delete(m.id);
    if (this.#pending.size === 0) this.#worker.unref();
    if (m.ok) p.resolve(m.result);
    else p.reject(new Error(m.message));
  }

  #end(why: string): void {
    if (this.#ended === undefined && this.#closing === undefined) this.#reportFailure(new Error(why));
    this.#ended ??= why;
    for (const p of this.#pending.values()) p.reject(new Error(this.#ended));
    this.#pending.clear();
  }
}
