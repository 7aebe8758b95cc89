// Builtin relay cost: `node --import tsx bench/media/relay.ts`. CALLS two-way calls through the builtin
// engine, each phone sends PACKETS 172-byte PCMU packets in bursts. The phones run in this process too,
// so the same traffic is first sent phone to phone directly (baseline) and the relay's share is the
// difference in CPU time (process.cpuUsage) per relayed packet. Also prints delivery (packets lost in
// socket buffers under bursts). Compare with rtpengine's ~12 µs per packet (interop README §4) on the
// same machine only.
import { BuiltinMediaEngine } from '../../src/media/builtin/engine.ts';
import { serializeRtp } from '../../src/media/rtp.ts';
import { RtpPhone, audioTarget, type Target } from '../../test/media/support/phone.ts';

const CALLS = Number(process.env.CALLS ?? 20);
const PACKETS = Number(process.env.PACKETS ?? 2000);
const BURST = 10;

interface Pair {
  a: RtpPhone;
  b: RtpPhone;
  aTo: Target;
  bTo: Target;
}

async function run(pairs: Pair[]): Promise<{ cpuUs: number; wallMs: number; delivered: number }> {
  for (const p of pairs) {
    p.a.received.length = 0;
    p.b.received.length = 0;
  }
  const pkt = serializeRtp({ payloadType: 0, sequence: 1, timestamp: 160, ssrc: 1, payload: Buffer.alloc(160, 0xff) });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let sent = 0; sent < PACKETS; sent += BURST) {
    for (const p of pairs) {
      for (let i = 0; i < BURST; i++) {
        p.a.socket.send(pkt, p.aTo.port, p.aTo.address);
        p.b.socket.send(pkt, p.bTo.port, p.bTo.address);
      }
    }
    await new Promise((r) => setImmediate(r));
  }
  const expected = pairs.length * PACKETS * 2;
  const end = Date.now() + 5000;
  const count = (): number => pairs.reduce((n, p) => n + p.a.received.length + p.b.received.length, 0);
  let last = -1;
  while (Date.now() < end && count() < expected && count() !== last) {
    last = count();
    await new Promise((r) => setTimeout(r, 50));
  }
  const cpu = process.cpuUsage(cpu0);
  return { cpuUs: cpu.user + cpu.system, wallMs: performance.now() - t0, delivered: count() / expected };
}

const engine = new BuiltinMediaEngine({ portMin: 42000, portMax: 42999 });
const relayed: Pair[] = [];
const direct: Pair[] = [];
try {
  for (let i = 0; i < CALLS; i++) {
    const a = await RtpPhone.open();
    const b = await RtpPhone.open();
    const o = await engine.offer({ callId: `bench-${i}`, fromTag: 'a', sdp: a.sdp() });
    if (!o.ok) throw new Error(o.message);
    const ans = await engine.answer({ callId: `bench-${i}`, fromTag: 'a', toTag: 'b', sdp: b.sdp() });
    if (!ans.ok) throw new Error(ans.message);
    relayed.push({ a, b, aTo: audioTarget(ans.sdp), bTo: audioTarget(o.sdp) });
    direct.push({ a, b, aTo: { address: '127.0.0.1', port: b.port }, bTo: { address: '127.0.0.1', port: a.port } });
  }
  const base = await run(direct);
  const rel = await run(relayed);
  const packets = CALLS * PACKETS * 2;
  const perPacket = (rel.cpuUs - base.cpuUs) / packets;
  console.log(`calls=${CALLS} packets/direction=${PACKETS}`);
  console.log(`direct : ${(base.cpuUs / packets).toFixed(1)} µs CPU/packet, delivered ${(base.delivered * 100).toFixed(1)} %`);
  console.log(`relayed: ${(rel.cpuUs / packets).toFixed(1)} µs CPU/packet, delivered ${(rel.delivered * 100).toFixed(1)} %`);
  console.log(`relay share ≈ ${perPacket.toFixed(1)} µs CPU per relayed packet ≈ ${Math.round(1e6 / perPacket / 100)} two-way G.711 calls per core`);
} finally {
  await engine.close();
  for (const p of relayed) {
    p.a.close();
    p.b.close();
  }
}
