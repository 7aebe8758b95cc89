// baresip as a scripted phone (interop README §3): its own config directory, an aufile tone source made with sox,
// aubridge instead of a sound card, sndfile recordings and ctrl_tcp (netstring JSON) for dial/hangup and events.
// stop() ends it by its own pid and removes the directory.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export function findBinary(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter).concat(['/usr/bin', '/usr/sbin'])) {
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface BaresipEvent {
  type: string;
  [k: string]: unknown;
}

export interface BaresipOptions {
  name: string;
  sipPort: number;
  ctrlPort: number;
  rtpMin: number;
  /** AoR host:port of the users edge */
  registrar: string;
  password: string;
  toneHz: number;
  answer: 'auto' | 'manual';
  seconds?: number;
}

export class Baresip {
  readonly events: BaresipEvent[] = [];
  readonly dir: string;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #ctrl: Socket | undefined;
  #buf = '';
  #replies = new Map<string, (r: Record<string, unknown>) => void>();
  #token = 0;
  log = '';

  private constructor(readonly o: BaresipOptions) {
    this.dir = mkdtempSync(join(tmpdir(), `sy-baresip-${o.name}-`));
  }

  static async start(o: BaresipOptions): Promise<Baresip> {
    const b = new Baresip(o);
    try {
      await b.#start();
    } catch (e) {
      await b.stop();
      throw e;
    }
    return b;
  }

  get recordings(): string {
    return join(this.dir, 'rec');
  }

  async #start(): Promise<void> {
    const o = this.o;
    const tone = join(this.dir, `tone${o.toneHz}.wav`);
    const sox = spawnSync('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', tone, 'synth', String(o.seconds ?? 8), 'sine', String(o.toneHz)]);
    if (sox.status !== 0) throw new Error(`sox failed: ${sox.stderr?.toString()}`);
    mkdirSync(this.recordings);
    writeFileSync(join(this.dir, 'config'), [
      'poll_method epoll',
      `sip_listen 127.0.0.1:${o.sipPort}`,
      'sip_trans_def udp',
      'net_interface 127.0.0.1',
      'dns_server 127.0.0.1:53',
      `rtp_ports ${o.rtpMin}-${o.rtpMin + 49}`,
      'rtp_timeout 0',
      `audio_source aufile,${tone}`,
      'ausrc_srate 8000',
      'ausrc_channels 1',
      `audio_player aubridge,${o.name}-play`,
      `audio_alert aubridge,${o.name}-alert`,
      `snd_path ${this.recordings}`,
      'module_path /usr/lib/baresip/modules',
      'module g711.so',
      'module aufile.so',
      'module aubridge.so',
      'module sndfile.so',
      'module_tmp uuid.so',
      'module_tmp account.so',
      'module_app menu.so',
      'module_app ctrl_tcp.so',
      `ctrl_tcp_listen 127.0.0.1:${o.ctrlPort}`,
      '',
    ].join('\n'));
    writeFileSync(join(this.dir, 'accounts'),
      `<sip:${o.name}@${o.registrar}>;auth_user=${o.name};auth_pass=${o.password};regint=600;answermode=${o.answer};audio_codecs=PCMU/8000/1\n`);
    writeFileSync(join(this.dir, 'contacts'), '');
    const child = spawn('baresip', ['-f', this.dir, '-t', '90'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    child.stdout?.on('data', (d: Buffer) => (this.log += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.log += d.toString()));
    child.once('error', () => undefined);
    this.#exited = new Promise((r) => child.once('exit', () => r()));
    // ctrl_tcp comes up once the modules are loaded.
    const end = Date.now() + 10_000;
    for (;;) {
      try {
        this.#ctrl = await new Promise<Socket>((resolve, reject) => {
          const s = connect(o.ctrlPort, '127.0.0.1', () => resolve(s));
          s.once('error', reject);
        });
        break;
      } catch (e) {
        if (Date.now() > end) throw new Error(`baresip ${o.name}: ctrl_tcp not reachable (${(e as Error).message})\n${this.log}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    this.#ctrl.on('data', (d: Buffer) => this.#onData(d.toString('utf8')));
    this.#ctrl.on('error', () => undefined);
  }

  #onData(s: string): void {
    this.#buf += s;
    for (;;) {
      const colon = this.#buf.indexOf(':');
      if (colon < 0) return;
      const len = Number(this.#buf.slice(0, colon));
      if (this.#buf.length < colon + 1 + len + 1) return;
      const json = this.#buf.slice(colon + 1, colon + 1 + len);
      this.#buf = this.#buf.slice(colon + 1 + len + 1);
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(json) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (msg.event) this.events.push(msg as BaresipEvent);
      else if (msg.response && typeof msg.token === 'string') this.#replies.get(msg.token)?.(msg);
    }
  }

  command(command: string, params = ''): Promise<Record<string, unknown>> {
    const token = `t${++this.#token}`;
    const body = JSON.stringify({ command, params, token });
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`baresip ${this.o.name}: no reply to ${command}`)), 5000);
      this.#replies.set(token, (r) => {
        clearTimeout(t);
        resolve(r);
      });
      this.#ctrl?.write(`${Buffer.byteLength(body)}:${body},`);
    });
  }

  /** Waits (bounded) for an event of `type`. */
  async waitEvent(type: string, limitMs = 10_000): Promise<BaresipEvent | undefined> {
    const end = Date.now() + limitMs;
    while (Date.now() < end) {
      const e = this.events.find((x) => x.type === type);
      if (e) return e;
      await new Promise((r) => setTimeout(r, 50));
    }
    return undefined;
  }

  /** Registration done: baresip logs `name@host: {0/UDP/v4} 200 OK … [1 binding]` (the event may precede ctrl_tcp). */
  async waitRegistered(limitMs = 10_000): Promise<boolean> {
    const end = Date.now() + limitMs;
    const re = new RegExp(`${this.o.name}@[^:]+: \\{[^}]*\\} 200 OK`);
    while (Date.now() < end) {
      if (re.test(this.log) || this.events.some((e) => e.type === 'REGISTER_OK')) return true;
      await new Promise((r) => setTimeout(r, 50));
    }
    return false;
  }

  /** The decoded (far side) recording of the last call. */
  decodedRecording(): string | undefined {
    const f = readdirSync(this.recordings).filter((n) => n.endsWith('-dec.wav')).sort().pop();
    return f ? join(this.recordings, f) : undefined;
  }

  async stop(): Promise<void> {
    this.#ctrl?.destroy();
    const c = this.#child;
    if (c && c.exitCode === null && c.signalCode === null) {
      c.kill('SIGTERM');
      const done = await Promise.race([this.#exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 4000))]);
      if (!done) c.kill('SIGKILL');
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** 16-bit PCM WAV → first channel samples and rate. */
export function readWav(path: string): { rate: number; samples: Int16Array } {
  const b = readFileSync(path);
  let off = 12;
  let rate = 8000;
  let channels = 1;
  let bits = 16;
  while (off + 8 <= b.length) {
    const id = b.toString('ascii', off, off + 4);
    const size = b.readUInt32LE(off + 4);
    if (id === 'fmt ') {
      channels = b.readUInt16LE(off + 10);
      rate = b.readUInt32LE(off + 12);
      bits = b.readUInt16LE(off + 22);
    } else if (id === 'data') {
      if (bits !== 16) throw new Error(`${path}: ${bits}-bit WAV`);
      const end = Math.min(b.length, off + 8 + size);
      const n = Math.floor((end - off - 8) / (2 * channels));
      const out = new Int16Array(n);
      for (let i = 0; i < n; i++) out[i] = b.readInt16LE(off + 8 + i * 2 * channels);
      return { rate, samples: out };
    }
    off += 8 + size + (size & 1);
  }
  throw new Error(`${path}: no data chunk`);
}
