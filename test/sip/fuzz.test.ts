// Bounded, seeded fuzzing of parseMessage and StreamFramer over mutated RFC 4475 and SIPp-style
// messages. Reproduce a run with SIP_FUZZ_SEED=<seed>; scale with SIP_FUZZ_CASES (default 100 000).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { StreamFramer } from '../../src/sip/framing.ts';
import { parseMessage, SipParseError, type SipMessage } from '../../src/sip/message.ts';
import { seededRandom } from '../support/random.ts';

const DIR = join(import.meta.dirname, 'torture');
const corpus: Buffer[] = ['valid', 'invalid', 'samples'].flatMap((d) =>
  readdirSync(join(DIR, d)).filter((f) => f.endsWith('.dat')).map((f) => readFileSync(join(DIR, d, f))));

const HEADERS = ['Via: SIP/2.0/UDP x', 'v: ,,', 'Content-Length: 99999', 'l: -1', 'CSeq: 1 FOO', 'To: "', 'From: <sip:',
  'Contact: *', 'Contact: <sip:a@[::1', 'Max-Forwards: 999', 'Call-ID:', 'Route: <sip:a;lr>,,<', ': empty', 'X: \u0000\u00ff'];

function mutate(src: Buffer, rnd: () => number): Buffer {
  const pick = (n: number): number => Math.floor(rnd() * n);
  let b = Buffer.from(src);
  const rounds = 1 + pick(4);
  for (let r = 0; r < rounds; r++) {
    const at = pick(b.length + 1);
    switch (pick(9)) {
      case 0: { // bit flips
        if (b.length === 0) break;
        const i = pick(b.length);
        b[i] = (b[i] as number) ^ (1 << pick(8));
        break;
      }
      case 1: b = b.subarray(0, at); break; // truncation
      case 2: { // duplicate a range
        const len = pick(64);
        b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + len), b.subarray(at)]);
        break;
      }
      case 3: { // splice with another corpus message
        const o = corpus[pick(corpus.length)] as Buffer;
        b = Buffer.concat([b.subarray(0, at), o.subarray(pick(o.length))]);
        break;
      }
      case 4: { // random header insertion after a line end
        const nl = b.indexOf('\r\n', at);
        const h = Buffer.from(`${HEADERS[pick(HEADERS.length)]}\r\n`);
        if (nl >= 0) b = Buffer.concat([b.subarray(0, nl + 2), h, b.subarray(nl + 2)]);
        break;
      }
      case 5: { // CRLF games
        const g = pick(4);
        const ins = [Buffer.from('\r\n'), Buffer.from('\n'), Buffer.from('\r\n '), Buffer.from('\r')][g] as Buffer;
        b = Buffer.concat([b.subarray(0, at), ins, b.subarray(at)]);
        break;
      }
      case 6: { // drop a CR
        const cr = b.indexOf(13, at);
        if (cr >= 0) b = Buffer.concat([b.subarray(0, cr), b.subarray(cr + 1)]);
        break;
      }
      case 7: b = Buffer.concat([b.subarray(0, at), Buffer.from([pick(256)]), b.subarray(at)]); break;
      default: { // interesting characters
        const chars = '<>";,=:@%?[] \t\\';
        b = Buffer.concat([b.subarray(0, at), Buffer.from(chars[pick(chars.length)] as string), b.subarray(at)]);
      }
    }
  }
  return b;
}

function view(m: SipMessage): unknown {
  return {
    start: m.isRequest ? [m.method, m.uri] : [m.status, m.reason],
    // Content-Length is recomputed from the body on output (and added when absent)
    headers: [...m.headers].filter(([n]) => !/^(content-length|l)$/i.test(n)),
    body: m.body.toString('latin1'),
    via: m.via, cseq: m.cseq, callId: m.callId, from: m.from, to: m.to,
  };
}

function heapUsed(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

test('fuzz: parseMessage and StreamFramer only ever throw SipParseError; parsed messages round-trip', () => {
  const seed = Number(process.env.SIP_FUZZ_SEED ?? Date.now() % 2 ** 31);
  const cases = Number(process.env.SIP_FUZZ_CASES ?? 100_000);
  console.log(`# fuzz seed=${seed} cases=${cases} (reproduce with SIP_FUZZ_SEED=${seed})`);
  const rnd = seededRandom(seed);
  let parsed = 0;
  let rejected = 0;
  const before = heapUsed();
  for (let i = 0; i < cases; i++) {
    const input = mutate(corpus[Math.floor(rnd() * corpus.length)] as Buffer, rnd);
    let m: SipMessage | undefined;
    try {
      m = parseMessage(input);
    } catch (e) {
      if (!(e instanceof SipParseError)) {
        assert.fail(`case ${i} (seed ${seed}) threw ${String(e)} on ${JSON.stringify(input.toString('latin1'))}`);
      }
      rejected++;
    }
    if (m) {
      parsed++;
      safeLazy(m);
      const out = m.toBuffer();
      let again: SipMessage;
      try {
        again = parseMessage(out);
      } catch (e) {
        assert.fail(`case ${i} (seed ${seed}): re-parse failed (${String(e)}) for ${JSON.stringify(out.toString('latin1'))}`);
      }
      assert.deepEqual(view(again), view(m), `case ${i} (seed ${seed})`);
    }
    if (i % 8 === 0) {
      // the framer with random chunking; errors are values, never exceptions
      const f = new StreamFramer({ maxMessageBytes: 4096 });
      let at = 0;
      while (at < input.length) {
        const n = 1 + Math.floor(rnd() * 200);
        f.push(input.subarray(at, at + n));
        at += n;
      }
    }
  }
  const growth = heapUsed() - before;
  console.log(`# fuzz parsed=${parsed} rejected=${rejected} heapGrowth=${(growth / 1e6).toFixed(1)}MB`);
  assert.ok(parsed > cases / 100, 'some mutants still parse');
  assert.ok(rejected > cases / 100, 'some mutants are rejected');
  assert.ok(growth < 32e6, `heap grew by ${growth} bytes`);
});

/** Lazy accessors may reject a value (coded error) but never throw anything else. */
function safeLazy(m: SipMessage): boolean {
  for (const f of [() => m.contacts(), () => m.routes(), () => m.recordRoutes(), () => m.maxForwards, () => m.contentLength]) {
    try {
      f();
    } catch (e) {
      if (!(e instanceof SipParseError)) throw e;
    }
  }
  return true;
}
