// SIPp against the library over UDP, TCP and TLS: SIPp as UAC against a tiny UAS on the stack, SIPp as
// UAS against a tiny UAC on the stack, and retransmission paths on UDP (SIPp's BYE retransmissions
// absorbed by our server transaction, our 2xx retransmitted to a late-ACKing SIPp, our INVITE
// retransmitted to a slow SIPp UAS). Every SIPp run is bounded (-m, -recv_timeout, kill timer).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSipStack, type SipStack } from '../../../src/sip/stack.ts';
import { loadOrCreateCertificate } from '../../../src/sip/transport/tls-settings.ts';
import type { TransportName } from '../../../src/sip/transaction/types.ts';
import { freePort, SCENARIO_DIR, sippOrSkip, startSipp, stat, waitListening, type SippResult } from './sipp.ts';
import { startTestUas, uacCall } from './test-ua.ts';
import { sippHasTls, startRelay } from './tls-relay.ts';

type T = { after(fn: () => unknown): void; skip(msg: string): void; diagnostic(msg: string): void };

const SIPP_MODE: Record<string, string> = { UDP: 'u1', TCP: 't1', TLS: 'l1' };
const HOST = '127.0.0.1';

function workDir(t: T): string {
  const d = mkdtempSync(join(tmpdir(), 'sy-sipp-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** Self-signed certificate shared by both sides (SIPp needs one for -t l1 in both roles). */
function certIn(dir: string) {
  const c = loadOrCreateCertificate(join(dir, 'tls'));
  if (!c.ok) throw new Error(c.message);
  return c;
}

async function libStack(t: T, transport: TransportName, dir: string): Promise<SipStack> {
  const cert = transport === 'TLS' ? certIn(dir) : undefined;
  const s = await createSipStack({
    listen: [{ transport: transport.toLowerCase() as 'udp' | 'tcp' | 'tls', host: HOST, port: 0 }],
    ...(cert ? { tls: { key: cert.key, cert: cert.cert, ca: cert.cert, servername: 'switchyard' } } : {}),
  });
  t.after(() => s.close());
  return s;
}

function tlsArgs(transport: TransportName, dir: string): string[] {
  if (transport !== 'TLS') return [];
  const c = certIn(dir);
  return ['-tls_cert', c.certPath, '-tls_key', c.keyPath];
}

function explain(r: SippResult): string {
  return `sipp exit ${r.code}${r.killed ? ' (killed)' : ''}; stats ${JSON.stringify({
    ok: r.stats['SuccessfulCall(C)'],
    failed: r.stats['FailedCall(C)'],
    retrans: r.stats['Retransmissions(C)'],
  })}\nerrors: ${r.errors}\nstderr: ${r.stderr.slice(-2000)}`;
}

const CALLS = 10;

for (const transport of ['UDP', 'TCP', 'TLS'] as const) {
  test(`SIPp UAC → library UAS over ${transport}: ${CALLS} calls, 0 failed`, async (t) => {
    const bin = sippOrSkip(t);
    if (!bin) return;
    const dir = workDir(t);
    const stack = await libStack(t, transport, dir);
    const uas = startTestUas(stack);
    let port = stack.addresses[0]!.port;
    let mode = SIPP_MODE[transport]!;
    if (transport === 'TLS' && !sippHasTls(bin)) {
      // SIPp without OpenSSL: SIPp → TCP → relay → TLS → library
      const c = certIn(dir);
      const relay = await startRelay({ accept: 'tcp', connect: 'tls', target: { host: HOST, port }, key: c.key, cert: c.cert });
      t.after(() => relay.close());
      t.diagnostic('sipp has no TLS: relaying SIPp TCP to the library over TLS');
      port = relay.port;
      mode = 't1';
    }
    const run = startSipp(
      bin,
      [
        '-sf', join(SCENARIO_DIR, 'uac.xml'), '-s', 'service', '-t', mode, '-i', HOST,
        '-m', String(CALLS), '-r', '20', '-l', '10', '-d', '50', '-recv_timeout', '8000',
        ...(mode === 'l1' ? tlsArgs(transport, dir) : []), `${HOST}:${port}`,
      ],
      dir,
      30_000,
    );
    t.after(() => run.kill());
    const r = await run.done;
    assert.equal(r.code, 0, explain(r));
    assert.equal(stat(r, 'SuccessfulCall(C)'), CALLS, explain(r));
    assert.equal(stat(r, 'FailedCall(C)'), 0, explain(r));
    assert.equal(stat(r, 'Retransmissions(C)'), 0, explain(r));
    assert.equal(uas.invites, CALLS);
    assert.equal(uas.acks, CALLS);
    assert.equal(uas.byes, CALLS);
    assert.equal(stack.metrics.get('badRequests'), 0);
  });

  test(`library UAC → SIPp UAS over ${transport}: ${CALLS} calls, 0 failed`, async (t) => {
    const bin = sippOrSkip(t);
    if (!bin) return;
    const dir = workDir(t);
    const stack = await libStack(t, transport, dir);
    const port = await freePort(HOST);
    let mode = SIPP_MODE[transport]!;
    let targetPort = port;
    if (transport === 'TLS' && !sippHasTls(bin)) {
      // SIPp without OpenSSL: library → TLS → relay → TCP → SIPp
      const c = certIn(dir);
      const relay = await startRelay({ accept: 'tls', connect: 'tcp', target: { host: HOST, port }, key: c.key, cert: c.cert });
      t.after(() => relay.close());
      t.diagnostic('sipp has no TLS: relaying the library TLS to SIPp over TCP');
      targetPort = relay.port;
      mode = 't1';
    }
    const run = startSipp(
      bin,
      [
        '-sf', join(SCENARIO_DIR, 'uas.xml'), '-t', mode, '-i', HOST, '-p', String(port),
        '-m', String(CALLS), '-recv_timeout', '8000', ...(mode === 'l1' ? tlsArgs(transport, dir) : []),
      ],
      dir,
      30_000,
    );
    t.after(() => run.kill());
    await waitListening(port, transport === 'UDP' ? 'udp' : 'tcp');
    const results = [];
    for (let i = 0; i < CALLS; i++) {
      results.push(await uacCall(stack, { transport, host: HOST, port: targetPort }, { holdMs: 20 }));
    }
    const r = await run.done;
    assert.deepEqual(results.filter((x) => !x.ok), []);
    assert.equal(r.code, 0, explain(r));
    assert.equal(stat(r, 'SuccessfulCall(C)'), CALLS, explain(r));
    assert.equal(stat(r, 'FailedCall(C)'), 0, explain(r));
    assert.equal(stat(r, 'Retransmissions(C)'), 0, explain(r));
    // INVITE, ACK, BYE per call and nothing else on the wire
    assert.equal(stack.metrics.get('sent'), 3 * CALLS);
  });
}

test('UDP: SIPp retransmits BYE while our UAS is slow; the server transaction absorbs the copies', async (t) => {
  const bin = sippOrSkip(t);
  if (!bin) return;
  const dir = workDir(t);
  const stack = await libStack(t, 'UDP', dir);
  const uas = startTestUas(stack, { byeDelayMs: 700 });
  const calls = 3;
  const run = startSipp(
    bin,
    [
      '-sf', join(SCENARIO_DIR, 'uac.xml'), '-s', 'service', '-t', 'u1', '-i', HOST, '-m', String(calls),
      '-r', '10', '-d', '20', '-recv_timeout', '8000', `${HOST}:${stack.addresses[0]!.port}`,
    ],
    dir,
    30_000,
  );
  t.after(() => run.kill());
  const r = await run.done;
  assert.equal(r.code, 0, explain(r));
  assert.equal(stat(r, 'FailedCall(C)'), 0, explain(r));
  // BYE sent at 0 ms, retransmitted at 500 ms; the 200 leaves at 700 ms: one copy per call
  assert.equal(stat(r, 'Retransmissions(C)'), calls, explain(r));
  assert.equal(uas.byes, calls, 'each retransmitted BYE absorbed, the TU saw one');
  assert.ok(stack.tx.stats.absorbed >= calls);
});

test('UDP: SIPp UAC delays its ACK; our UAS retransmits the 200 until the ACK arrives', async (t) => {
  const bin = sippOrSkip(t);
  if (!bin) return;
  const dir = workDir(t);
  const stack = await libStack(t, 'UDP', dir);
  const uas = startTestUas(stack);
  const calls = 3;
  const run = startSipp(
    bin,
    [
      '-sf', join(SCENARIO_DIR, 'uac.xml'), '-s', 'service', '-t', 'u1', '-i', HOST, '-m', String(calls),
      '-r', '10', '-d', '20', '-set', 'ackpause', '1200', '-recv_timeout', '8000', `${HOST}:${stack.addresses[0]!.port}`,
    ],
    dir,
    30_000,
  );
  t.after(() => run.kill());
  const r = await run.done;
  assert.equal(r.code, 0, explain(r));
  assert.equal(stat(r, 'FailedCall(C)'), 0, explain(r));
  assert.equal(stat(r, 'SuccessfulCall(C)'), calls, explain(r));
  // 200 at ~20 ms, copies at ~520 and ~1520 ms; the ACK leaves SIPp at ~1220 ms: 1 copy per call (2 if late)
  assert.ok(uas.okRetransmissions >= calls && uas.okRetransmissions <= 2 * calls, `2xx retransmissions ${uas.okRetransmissions}`);
  assert.equal(uas.acks, calls);
});

test('UDP: SIPp UAS answers late; our INVITE client transaction retransmits (Timer A) and the call completes', async (t) => {
  const bin = sippOrSkip(t);
  if (!bin) return;
  const dir = workDir(t);
  const stack = await libStack(t, 'UDP', dir);
  const port = await freePort(HOST);
  const calls = 2;
  const run = startSipp(
    bin,
    ['-sf', join(SCENARIO_DIR, 'uas.xml'), '-t', 'u1', '-i', HOST, '-p', String(port), '-m', String(calls),
      '-set', 'invitepause', '1000', '-recv_timeout', '8000'],
    dir,
    30_000,
  );
  t.after(() => run.kill());
  await waitListening(port, 'udp');
  const results = [];
  for (let i = 0; i < calls; i++) results.push(await uacCall(stack, { transport: 'UDP', host: HOST, port }, { holdMs: 20 }));
  const r = await run.done;
  assert.deepEqual(results.filter((x) => !x.ok), []);
  assert.equal(r.code, 0, explain(r));
  assert.equal(stat(r, 'FailedCall(C)'), 0, explain(r));
  // Timer A: INVITE at 0, copies due at 500 and 1500 ms; SIPp's 180 at ~1000 ms stops them → 1 copy per call
  const retrans = stack.metrics.get('sent') - 3 * calls;
  assert.equal(retrans, calls, `INVITE retransmissions ${retrans}`);
});
