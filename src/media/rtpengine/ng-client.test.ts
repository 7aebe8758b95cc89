import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { decodeBencode, encodeBencode, isDict, type BDict } from './bencode.ts';
import { NgClient } from './ng-client.ts';

/** A fake ng server: `handle` decides the reply (undefined: stay silent). */
async function fakeServer(
  handle: (cmd: BDict, cookie: string, seen: number, from: RemoteInfo) => BDict | undefined,
): Promise<{ socket: Socket; port: number; received: string[] }> {
  const socket = createSocket('udp4');
  const received: string[] = [];
  socket.on('message', (msg: Buffer, rinfo: RemoteInfo) => {
    const sp = msg.indexOf(0x20);
    const cookie = msg.toString('latin1', 0, sp);
    received.push(cookie);
    const d = decodeBencode(msg.subarray(sp + 1));
    if (!d.ok || !isDict(d.value)) return;
    const reply = handle(d.value, cookie, received.filter((c) => c === cookie).length, rinfo);
    if (reply) socket.send(Buffer.concat([Buffer.from(`${cookie} `), encodeBencode(reply)]), rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  return { socket, port: socket.address().port, received };
}

test('replies are matched by cookie, several requests in flight, answered out of order', async () => {
  const held: Array<() => void> = [];
  const srv = await fakeServer((cmd, cookie, _seen, from) => {
    // hold every reply until the third request arrives, then answer in reverse order
    const reply = Buffer.concat([Buffer.from(`${cookie} `), encodeBencode({ result: 'ok', echo: String(cmd['n']) })]);
    held.push(() => srv.socket.send(reply, from.port, from.address));
    if (held.length === 3) for (const h of held.reverse()) h();
    return undefined;
  });
  const client = new NgClient({ host: '127.0.0.1', port: srv.port, timeoutMs: 2000, retries: 0 });
  try {
    const rs = await Promise.all([1, 2, 3].map((n) => client.request({ command: 'x', n })));
    assert.deepEqual(
      rs.map((r) => (r.ok ? r.reply['echo'] : r.message)),
      ['1', '2', '3'],
    );
    assert.equal(new Set(srv.received).size, 3, 'distinct cookies');
  } finally {
    client.close();
    srv.socket.close();
  }
});

test('a lost request is retransmitted with the same cookie', async () => {
  const srv = await fakeServer((_cmd, _cookie, seen) => (seen >= 2 ? { result: 'pong' } : undefined));
  const client = new NgClient({ host: '127.0.0.1', port: srv.port, timeoutMs: 50, retries: 2 });
  try {
    const r = await client.request({ command: 'ping' });
    assert.ok(r.ok);
    assert.equal(r.reply['result'], 'pong');
    assert.equal(srv.received.length, 2);
    assert.equal(srv.received[0], srv.received[1]);
  } finally {
    client.close();
    srv.socket.close();
  }
});

test('no reply after the retries: engine_timeout; error replies: engine_error with the reason', async () => {
  const srv = await fakeServer((cmd) =>
    cmd['command'] === 'query' ? { result: 'error', 'error-reason': 'Unknown call-id' } : undefined,
  );
  const client = new NgClient({ host: '127.0.0.1', port: srv.port, timeoutMs: 30, retries: 1 });
  try {
    const t = await client.request({ command: 'ping' });
    assert.ok(!t.ok && t.code === 'engine_timeout');
    assert.equal(srv.received.length, 2);
    const e = await client.request({ command: 'query', 'call-id': 'nope' });
    assert.ok(!e.ok && e.code === 'engine_error' && e.message === 'Unknown call-id');
    assert.equal(client.inFlight, 0);
  } finally {
    client.close();
    srv.socket.close();
  }
});

test('maxInFlight queues requests beyond the bound; close settles everything', async () => {
  const srv = await fakeServer(() => undefined);
  const client = new NgClient({ host: '127.0.0.1', port: srv.port, timeoutMs: 5000, retries: 0, maxInFlight: 2 });
  try {
    const ps = [1, 2, 3].map((n) => client.request({ command: 'x', n }));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(srv.received.length, 2);
    client.close();
    const rs = await Promise.all(ps);
    assert.ok(rs.every((r) => !r.ok && r.message === 'ng client closed'));
  } finally {
    client.close();
    srv.socket.close();
  }
});
