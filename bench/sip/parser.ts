// Parser throughput on one core: `node --import tsx bench/sip/parser.ts`. Prints messages/s for a
// typical INVITE with SDP and a REGISTER: parse only, parse + routing headers, serialise (toBuffer of
// an unmodified parsed message), and a proxy hop (parse, routing, add Via, Max-Forwards - 1, toBuffer).
// Figures are per CPU-second of this process (process.cpuUsage), so they stay meaningful on a shared
// machine; wall-clock figures are printed too. Each case runs BENCH_REPEAT times (default 3), best kept.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseMessage, type SipMessage } from '../../src/sip/message.ts';

const dir = join(import.meta.dirname, '../../test/sip/torture/samples');
const samples = { INVITE: readFileSync(join(dir, 'invite.dat')), REGISTER: readFileSync(join(dir, 'register.dat')) };
const N = Number(process.env.BENCH_N ?? 200_000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);

function routing(m: SipMessage): number {
  // what a proxy/transaction layer reads to route and match
  return m.topVia.branch!.length + m.cseq.seq + m.callId.length + (m.from.params.get('tag') ?? '').length +
    (m.to.params.get('tag') ?? '').length;
}

function proxyHop(buf: Buffer): number {
  const m = parseMessage(buf);
  const r = routing(m);
  m.headers.prepend('Via', 'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-proxy-1');
  m.headers.set('Max-Forwards', String((m.maxForwards ?? 70) - 1));
  return r + m.toBuffer().length;
}

type Case = (buf: Buffer) => number;
const CASES: Array<[string, Case | ((buf: Buffer) => Case)]> = [
  ['parse only', (b: Buffer) => parseMessage(b).headers.size],
  ['parse+routing', (b: Buffer) => routing(parseMessage(b))],
  ['serialise', (b: Buffer): Case => {
    const m = parseMessage(b);
    return () => m.toBuffer().length;
  }],
  ['parse+serialise', (b: Buffer) => parseMessage(b).toBuffer().length],
  ['proxy hop', proxyHop],
];

function measure(fn: Case, buf: Buffer): { cpu: number; wall: number; sink: number } {
  let sink = 0;
  for (let i = 0; i < 20_000; i++) sink += fn(buf);
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) sink += fn(buf);
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  return { cpu: (c.user + c.system) / 1e6, wall, sink };
}

const fmt = (x: number): string => Math.round(x).toLocaleString('en-US').padStart(10);
for (const [name, buf] of Object.entries(samples)) {
  for (const [label, make] of CASES) {
    const fn = label === 'serialise' ? (make as (b: Buffer) => Case)(buf) : (make as Case);
    let best = { cpu: Infinity, wall: Infinity, sink: 0 };
    for (let r = 0; r < REPEAT; r++) {
      const m = measure(fn, buf);
      if (m.cpu < best.cpu) best = m;
    }
    console.log(`${name.padEnd(9)} ${label.padEnd(16)} ${fmt(N / best.cpu)} msg/s per CPU-s ${fmt(N / best.wall)} msg/s wall  (${buf.length} B, sink ${best.sink % 10})`);
  }
}
