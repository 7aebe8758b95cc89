// The app with several edges (SIP_EDGE_NODES): B legs go to the first edge that answers keep-alive OPTIONS. An edge
// that stops answering is passed over until it answers again; a real users edge answers the probe itself.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { BuiltinMediaEngine } from '../../src/media/builtin/engine.ts';
import { createAppServer, type AppServer } from '../../src/app/server.ts';
import type { ProbeOptions } from '../../src/sip/ua/peer-health.ts';
import type { DirectoryView } from '../../src/app/routing.ts';
import { createResponse } from '../../src/sip/message.ts';
import { createSipStack, type SipStack } from '../../src/sip/stack.ts';
import { reservePortRange, waitFor } from '../media/support/phone.ts';

const directory: DirectoryView = { terminalById: () => undefined, user: () => undefined, client: () => undefined, extension: () => undefined };
const closers: Array<() => Promise<unknown> | void> = [];
after(async () => {
  for (const c of closers.reverse()) await c();
});

/** An edge stand-in that answers OPTIONS 200, counting the probes. */
async function answeringEdge(port = 0): Promise<{ stack: SipStack; port: number; probes: () => number }> {
  const stack = await createSipStack({ listen: [{ transport: 'udp', host: '127.0.0.1', port }] });
  let n = 0;
  stack.onRequest((req, tx) => {
    if (req.method === 'OPTIONS') n++;
    tx.respond(createResponse(req, 200, 'OK', { toTag: 'e' }));
  });
  closers.push(() => stack.close());
  return { stack, port: stack.addresses[0]!.port, probes: () => n };
}

/** An app server whose edges are 127.0.0.1 at these ports, probed as given. */
async function startApp(edgePorts: number[], edgeProbe: ProbeOptions): Promise<AppServer> {
  const base = reservePortRange(8);
  const media = new BuiltinMediaEngine({ portMin: base, portMax: base + 7 });
  closers.push(() => media.close());
  const app = await createAppServer({
    directory,
    media,
    listen: [{ transport: 'udp', host: '127.0.0.1', port: 0 }],
    edges: edgePorts.map((port) => ({ host: '127.0.0.1', port })),
    edgeProbe,
  });
  closers.push(() => app.close());
  return app;
}

test('B legs go to the first edge that answers its probes; a silent edge is passed over until it answers again', async () => {
  // edge 0 is silent at first: a bound socket that reads and never answers
  const silent = createSocket('udp4');
  await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
  const silentPort = silent.address().port;
  const live = await answeringEdge();
  const app = await startApp([silentPort, live.port], { intervalMs: 100, timeoutMs: 150 });
  assert.ok(await waitFor(() => !app.edgeUp('127.0.0.1', silentPort), 3000), 'the silent edge is marked down');
  assert.equal(app.edgeTarget().port, live.port, 'B legs go to the answering edge');
  assert.ok(live.probes() >= 2, 'the live edge is probed periodically');

  // edge 0 comes back (a users edge stand-in on the same port): preferred again
  silent.close();
  await answeringEdge(silentPort);
  assert.ok(await waitFor(() => app.edgeUp('127.0.0.1', silentPort), 3000), 'edge 0 is up again');
  assert.equal(app.edgeTarget().port, silentPort);
});

test('with one edge nothing is probed and it is always the target', async () => {
  const only = await answeringEdge();
  const app = await startApp([only.port], { intervalMs: 50, timeoutMs: 50 });
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(only.probes(), 0);
  assert.equal(app.edgeTarget().port, only.port);
});
