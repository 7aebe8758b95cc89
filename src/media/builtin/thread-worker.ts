// The media thread (started by thread.ts): one BuiltinMediaEngine, its relay sockets and sweeps. Requests are
// answered as they complete; a media timeout is told to the main thread as an event.
import { parentPort, workerData } from 'node:worker_threads';
import { BuiltinMediaEngine } from './engine.ts';
import { TurnBatcher, type EngineThreadData, type EngineThreadMessage, type EngineThreadRequest } from './thread.ts';

const port = parentPort!;
// replies and events of a turn go back as one message (thread.ts)
const out = new TurnBatcher<EngineThreadMessage>((batch) => port.postMessage(batch));
const post = (m: EngineThreadMessage): void => out.push(m);
const engine = new BuiltinMediaEngine({
  ...(workerData as EngineThreadData),
  onTimeout: (callId) => post({ event: 'timeout', callId }),
});

function run(req: EngineThreadRequest): Promise<unknown> {
  switch (req.op) {
    case 'offer':
      return engine.offer(req.req);
    case 'answer':
      return engine.answer(req.req);
    case 'delete':
      return engine.delete(req.req);
    case 'query':
      return engine.query(req.callId);
    case 'ping':
      return engine.ping();
    case 'close':
      return engine.close();
  }
}

port.on('message', (batch: EngineThreadRequest[]) => {
  for (const req of batch) {
    run(req).then(
      (result) => post({ id: req.id, ok: true, result }),
      (e: unknown) => post({ id: req.id, ok: false, message: e instanceof Error ? e.message : String(e) }),
    ).finally(() => {
      if (req.op !== 'close') return;
      out.flush(); // the close reply goes before the port closes
      port.close();
    });
  }
});
