// Parser throughput on one core: `node --import tsx bench/sip/parser.ts`. Prints messages/s for a
// typical INVITE with SDP and a REGISTER, "parse only" and "parse + routing headers".
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseMessage, type SipMessage } from '../../src/sip/message.ts';

const dir = join(import.meta.dirname, '../../test/sip/torture/samples');
const samples = { INVITE: readFileSync(join(dir, 'invite.dat')), REGISTER: readFileSync(join(dir, 'register.dat')) };
const N = Number(process.env.BENCH_N ?? 200_000);

function routing(m: SipMessage): number {
  // what a proxy/transaction layer reads to route and match
  return m.topVia.branch!.length + m.cseq.seq + m.callId.length + (m.from.params.get('tag') ?? '').length +
    (m.to.params.get('tag') ?? '').length;
}

function run(name: string, buf: Buffer, withRouting: boolean): void {
  let sink = 0;
  for (let i = 0; i < 20_000; i++) sink += withRouting ? routing(parseMessage(buf)) : parseMessage(buf).headers.size;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) sink += withRouting ? routing(parseMessage(buf)) : parseMessage(buf).headers.size;
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(`${name.padEnd(9)} ${withRouting ? 'parse+routing' : 'parse only   '} ${Math.round(N / s).toLocaleString('en-US').padStart(9)} msg/s  (${buf.length} B, sink ${sink % 10})`);
}

for (const [name, buf] of Object.entries(samples)) {
  run(name, buf, false);
  run(name, buf, true);
}
