// `switchyard start` as a child process, the README way (`node --import ./bin/typescript.mjs src/cli/main.ts start`), with a temp
// DATA_DIR and free ports. stop() sends SIGINT (clean shutdown), then SIGKILL after a grace period, and removes
// the data directory.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { freePort } from '../../sip/interop/sipp.ts';

// one port helper for the suite: it never hands out a port twice in a process
export { freePort };

const ROOT = new URL('../../../', import.meta.url).pathname;

export interface PlatformProcess {
  httpUrl: string;
  sipPort: number;
  /** PID of the `switchyard start` process */
  pid: number;
  output(): string;
  /** Resolves with the exit code when the process ends by itself or is stopped. */
  exited: Promise<number | null>;
  stop(): Promise<number | null>;
}

/** NODE_OPTIONS for a platform of checkout `root`: its bin/node-options.mjs flags (none in checkouts older than it),
 * then `existing`. Loaded from that checkout, so an A/B of two commits runs each with its own flags. */
export async function nodeOptionsOf(root: string, existing: string): Promise<string> {
  const file = join(root, 'bin', 'node-options.mjs');
  if (!existsSync(file)) return existing;
  const m = (await import(pathToFileURL(file).href)) as { platformNodeOptions(existing: string): string };
  return m.platformNodeOptions(existing);
}

/** `root`: the checkout to run (default this one; bench/edge/ab.ts compares two). */
export async function startSwitchyard(env: Record<string, string>, root = ROOT): Promise<PlatformProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sy-start-'));
  const [http, sip, ws, app, internal] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  const child: ChildProcess = spawn(process.execPath, ['--import', './bin/typescript.mjs', 'src/cli/main.ts', 'start'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      PUBLIC_IP: '127.0.0.1',
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(http),
      SIP_USERS_PORT: String(sip),
      SIP_USERS_WS_PORT: String(ws),
      SIP_USERS_TLS_PORT: '0',
      SIP_USERS_WSS_PORT: '0',
      SIP_TRUNKS_PORT: '0',
      SIP_TRUNKS_TLS_PORT: '0',
      SIP_APP_PORT: String(app),
      SIP_EDGE_INTERNAL_PORT: String(internal),
      ROLES: 'api,edge,app',
      ...env,
      // the V8 flags `npm start` of that checkout runs with (bench/edge measures what operators run), before the caller's
      NODE_OPTIONS: await nodeOptionsOf(root, env.NODE_OPTIONS ?? process.env.NODE_OPTIONS ?? ''),
    },
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  child.once('error', () => undefined);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const stop = async (): Promise<number | null> => {
    let code: number | null = null;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT');
      const r = await Promise.race([exited, new Promise<'late'>((res) => setTimeout(() => res('late'), 15_000))]);
      if (r === 'late') child.kill('SIGKILL');
      else code = r;
    } else code = child.exitCode;
    rmSync(dataDir, { recursive: true, force: true });
    return code;
  };
  const end = Date.now() + 90_000;
  while (!/switchyard ready/.test(out)) {
    if (child.exitCode !== null || Date.now() > end) {
      await stop();
      throw new Error(`switchyard did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { httpUrl: `http://127.0.0.1:${http}`, sipPort: sip, pid: child.pid!, output: () => out, exited, stop };
}
