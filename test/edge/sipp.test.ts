// SIPp against the users edge (interop README §2): REGISTER with digest, and a SIPp UAS registered as a user
// behind the edge taking calls through the platform (fake app node for now): answer + BYE from the caller,
// CANCEL before answer, BYE from the callee. With CI=true a missing `sipp` fails the suite.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aorOf } from '../../src/edge/users/index.ts';
import { DOMAIN, SDP, startEdgeWorld, until, type EdgeWorld, type Phone } from './support.ts';

const SCEN = new URL('./sipp/', import.meta.url).pathname;
const hasSipp = spawnSync('sipp', ['-v'], { stdio: 'ignore' }).error === undefined;
const skip = hasSipp ? false : process.env.CI === 'true' ? false : 'sipp not installed (apt-get install sip-tester)';

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const p = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

interface SippRun {
  done: Promise<{ code: number | null; log: string }>;
  kill(): void;
}

/** Runs sipp with a hard time limit (interop README gotcha 1: -timeout alone does not end stuck calls). */
function sipp(args: string[], limitMs = 20_000): SippRun {
  const child = spawn('sipp', ['-nostdin', '-recv_timeout', '8000', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => (log += String(d)));
  child.stderr.on('data', (d) => (log += String(d)));
  const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
  const done = new Promise<{ code: number | null; log: string }>((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, log: log.slice(-3000) });
    });
  });
  return { done, kill: () => child.kill('SIGKILL') };
}

describe('users edge: SIPp interop', { skip }, () => {
  let W: EdgeWorld;
  let alice: Phone;
  let dir: string;
  const running: SippRun[] = [];
  before(async () => {
    assert.ok(hasSipp, 'sipp is required when CI=true');
    dir = mkdtempSync(join(tmpdir(), 'sy-edge-sipp-'));
    W = await startEdgeWorld();
    alice = await W.phone('alice');
    assert.ok((await alice.ua.register({ expires: 600 })).ok);
  });
  after(async () => {
    for (const r of running) r.kill();
    await Promise.all(running.map((r) => r.done));
    await W?.close();
    if (dir && !process.env.KEEP_SIPP_LOGS) rmSync(dir, { recursive: true, force: true });
  });
  const edge = () => `127.0.0.1:${W.edge.address('UDP')!.port}`;

  const register = async (user: string, password: string, port: number, expect = '200') => {
    const r = sipp(['-sf', join(SCEN, expect === '200' ? 'register.xml' : 'register-wrong.xml'), '-s', user, '-au', user, '-ap', password, '-key', 'domain', DOMAIN,
      '-key', 'expires', '600', '-i', '127.0.0.1', '-p', String(port), '-m', '1',
      '-trace_msg', '-message_file', join(dir, `reg-${port}.log`), edge()]);
    running.push(r);
    return r.done;
  };

  it('REGISTER with digest: 401, then 200 and a binding; wrong password: 401 then 403, nothing bound', async () => {
    const port = await freeUdpPort();
    const ok = await register('carol', W.terminals.carol!.password, port);
    assert.equal(ok.code, 0, ok.log);
    const b = await W.location.lookup(aorOf('carol', DOMAIN));
    assert.equal(b.length, 1);
    assert.equal(b[0]!.userAgent, 'sipp');
    assert.equal(b[0]!.flow.port, port);

    const bad = await register('bob', 'wrong-password', await freeUdpPort(), '403');
    assert.equal(bad.code, 0, bad.log);
    assert.equal((await W.location.lookup(aorOf('bob', DOMAIN))).length, 0);
  });

  /** carol (multi contact off: each REGISTER replaces the previous device) registered from a SIPp UAS. */
  async function uas(scenario: string): Promise<SippRun> {
    const port = await freeUdpPort();
    const r = await register('carol', W.terminals.carol!.password, port);
    assert.equal(r.code, 0, r.log);
    const run = sipp(['-sf', join(SCEN, scenario), '-s', 'carol', '-i', '127.0.0.1', '-p', String(port), '-m', '1',
      '-trace_msg', '-message_file', join(dir, `${scenario}.log`)]);
    running.push(run);
    await new Promise((res) => setTimeout(res, 300)); // let sipp bind its socket (no readiness signal)
    return run;
  }

  it('a call to a SIPp UAS through the edge and the app: ring, answer, ACK, BYE from the caller', async () => {
    const run = await uas('uas-answer.xml');
    const call = alice.ua.invite(`sip:carol@${DOMAIN}`, { sdp: SDP('127.0.0.1', 4000) });
    assert.deepEqual(await call.established, { ok: true });
    assert.match(call.remoteSdp ?? '', /m=audio/);
    await new Promise((res) => setTimeout(res, 50));
    assert.equal(await call.hangup(), 200);
    const r = await run.done;
    assert.equal(r.code, 0, r.log);
  });

  it('CANCEL before answer: the UAS sees CANCEL, answers 487, the caller gets 487', async () => {
    const run = await uas('uas-cancel.xml');
    const call = alice.ua.invite(`sip:carol@${DOMAIN}`, { sdp: SDP('127.0.0.1', 4000) });
    await until(() => call.state === 'ringing');
    await call.hangup();
    const res = await call.established;
    assert.equal(!res.ok && res.status, 487);
    const r = await run.done;
    assert.equal(r.code, 0, r.log);
  });

  it('BYE from the callee follows the record-route back to the caller', async () => {
    const run = await uas('uas-bye.xml');
    const call = alice.ua.invite(`sip:carol@${DOMAIN}`, { sdp: SDP('127.0.0.1', 4000) });
    assert.deepEqual(await call.established, { ok: true });
    const end = await call.ended;
    assert.equal(end.by, 'remote');
    const r = await run.done;
    assert.equal(r.code, 0, r.log);
  });
});
