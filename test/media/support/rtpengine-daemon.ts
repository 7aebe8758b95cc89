// Starts a private userspace rtpengine for a test (interop README §4): its own --config-file (never
// /etc/rtpengine), `table = -1`, a free ng port, a private media port range, delete-delay 0, pidfile
// and log in a temp dir. stop() always kills it by its own pid and removes the directory.
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { NgClient } from '../../../src/media/rtpengine/ng-client.ts';
import { reservePortRange, sleep } from './phone.ts';

export function findRtpengine(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter).concat(['/usr/bin', '/usr/sbin'])) {
    const p = join(dir, 'rtpengine');
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  s.close();
  return port;
}

export interface RtpengineDaemon {
  ngPort: number;
  portMin: number;
  portMax: number;
  log(): string;
  stop(): Promise<void>;
}

export async function startRtpengine(bin: string): Promise<RtpengineDaemon> {
  const dir = mkdtempSync(join(tmpdir(), 'sy-rtpengine-'));
  const ngPort = await freeUdpPort();
  const portMin = reservePortRange(200);
  const portMax = portMin + 199;
  writeFileSync(
    join(dir, 'rtpengine.conf'),
    [
      '[rtpengine]',
      'table = -1',
      'interface = 127.0.0.1',
      `listen-ng = 127.0.0.1:${ngPort}`,
      `port-min = ${portMin}`,
      `port-max = ${portMax}`,
      'timeout = 60',
      'log-level = 5',
      'log-stderr = true',
      'foreground = true',
      'delete-delay = 0',
      '',
    ].join('\n'),
  );
  const logPath = join(dir, 'rtpengine.log');
  const child: ChildProcess = spawn(
    bin,
    [`--config-file=${join(dir, 'rtpengine.conf')}`, `--pidfile=${join(dir, 'rtpengine.pid')}`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  let exited = false;
  const exit = new Promise<void>((r) => child.once('exit', () => ((exited = true), r())));
  child.once('error', () => undefined);

  const stop = async (): Promise<void> => {
    if (!exited) {
      child.kill('SIGTERM');
      const killed = await Promise.race([exit.then(() => true), sleep(3000).then(() => false)]);
      if (!killed) {
        child.kill('SIGKILL');
        await exit;
      }
    }
    writeFileSync(logPath, log);
    rmSync(dir, { recursive: true, force: true });
  };

  // ready when it answers ping (≈ 1 s: it generates a DTLS certificate first)
  const probe = new NgClient({ host: '127.0.0.1', port: ngPort, timeoutMs: 200, retries: 0 });
  try {
    for (let i = 0; i < 50 && !exited; i++) {
      const r = await probe.request({ command: 'ping' });
      if (r.ok) return { ngPort, portMin, portMax, log: () => log, stop };
    }
  } finally {
    probe.close();
  }
  const why = exited ? 'exited' : 'did not answer ping';
  const text = log;
  await stop();
  throw new Error(`rtpengine ${why}; log:\n${text}\n${readConfigSafe(dir)}`);
}

function readConfigSafe(dir: string): string {
  try {
    return readFileSync(join(dir, 'rtpengine.conf'), 'utf8');
  } catch {
    return '';
  }
}
