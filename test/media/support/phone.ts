// A minimal RTP "phone" for media tests: one UDP socket on 127.0.0.1, an SDP describing it, a paced
// G.711 tone sender and a recorder of what arrives.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { mkdirSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSdp } from '../../../src/sip/sdp.ts';
import { ToneGenerator } from '../../../src/media/dsp.ts';
import { decodeG711, encodeG711, type G711Law } from '../../../src/media/g711.ts';
import { parseRtp, writeRtpHeader } from '../../../src/media/rtp.ts';

export interface Received {
  data: Buffer;
  from: string;
}

export class RtpPhone {
  readonly received: Received[] = [];

  private constructor(
    readonly socket: Socket,
    readonly port: number,
  ) {
    socket.on('message', (msg: Buffer, rinfo: RemoteInfo) => {
      this.received.push({ data: Buffer.from(msg), from: `${rinfo.address}:${rinfo.port}` });
    });
  }

  static async open(port = 0): Promise<RtpPhone> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, '127.0.0.1', () => resolve());
    });
    return new RtpPhone(socket, socket.address().port);
  }

  /** SDP offering/answering this phone's port with the given `PT name/rate` codecs. */
  sdp(codecs: ReadonlyArray<[number, string]> = [[0, 'PCMU/8000'], [8, 'PCMA/8000'], [101, 'telephone-event/8000']], user = 'phone'): string {
    return [
      'v=0',
      `o=${user} 1000 1 IN IP4 127.0.0.1`,
      's=-',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      `m=audio ${this.port} RTP/AVP ${codecs.map(([pt]) => pt).join(' ')}`,
      ...codecs.map(([pt, name]) => `a=rtpmap:${pt} ${name}`),
      'a=ptime:20',
      'a=sendrecv',
      '',
    ].join('\r\n');
  }

  send(data: Buffer, to: Target): Promise<void> {
    return new Promise((resolve) => this.socket.send(data, to.port, to.address, () => resolve()));
  }

  /** Sends `packets` 20 ms frames of a tone as G.711, paced every `gapMs` (not real time). */
  async sendTone(to: Target, frequency: number, packets: number, law: G711Law = 'pcmu', gapMs = 4): Promise<void> {
    const gen = new ToneGenerator(frequency);
    const pcm = new Int16Array(160);
    const ssrc = (Math.random() * 2 ** 32) >>> 0;
    for (let i = 0; i < packets; i++) {
      // a fresh buffer per packet: a reused one could be rewritten before the kernel copied it
      const pkt = Buffer.alloc(12 + 160);
      writeRtpHeader(pkt, law === 'pcmu' ? 0 : 8, i, i * 160, ssrc, i === 0);
      encodeG711(law, gen.fill(pcm), pkt.subarray(12));
      await this.send(pkt, to);
      await sleep(gapMs);
    }
  }

  /** Decoded audio of the received RTP packets of `law`, ordered by sequence number. */
  decodedAudio(law: G711Law = 'pcmu'): Int16Array {
    const pt = law === 'pcmu' ? 0 : 8;
    const packets = this.received
      .map((r) => parseRtp(r.data))
      .flatMap((r) => (r.ok && r.packet.payloadType === pt ? [r.packet] : []))
      .sort((a, b) => a.sequence - b.sequence);
    const out = new Int16Array(packets.reduce((n, p) => n + p.payload.length, 0));
    let o = 0;
    for (const p of packets) {
      out.set(decodeG711(law, p.payload), o);
      o += p.payload.length;
    }
    return out;
  }

  close(): void {
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }
}

export interface Target {
  address: string;
  port: number;
}

/** Where an SDP asks to receive its first audio stream. */
export function audioTarget(sdp: string): Target {
  const s = parseSdp(sdp);
  const m = s.media[0];
  const c = [...(m?.lines ?? []), ...s.session].find((l) => l.startsWith('c='));
  const address = c?.split(' ')[2];
  if (!m || !address) throw new Error(`no audio target in SDP:\n${sdp}`);
  return { address, port: m.port };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `cond` every 10 ms until true or `limitMs` passed; returns the last value (bounded wait). */
export async function waitFor(cond: () => boolean, limitMs = 3000): Promise<boolean> {
  const end = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > end) return false;
    await sleep(10);
  }
  return true;
}

// Private port ranges for test files running in parallel. A random base alone let two files (or a platform a
// file started, whose pooled relay keeps released ports bound) meet now and then, and an engine with a range of
// two pairs then had nothing to hand out. Ranges are now reserved in blocks of 100 ports between 20000 and 32000
// (below the kernel's ephemeral ports, 32768+). A process claims a block by creating `block-<i>.<pid>` and then
// looking for another live claimant of the same block (it backs off if there is one): since everyone creates before
// looking, two processes can never both hold a block, and nobody deletes a live owner's file. Files of dead pids
// (a process killed before its exit handler ran) are removed by whoever meets them. One directory per user.
const LOCK_DIR = join(tmpdir(), `switchyard-test-ports-${process.getuid?.() ?? 'user'}`);
const FIRST_PORT = 20000;
const BLOCK = 100;
const BLOCKS = 120;
const heldLocks = new Set<string>();
let releaseOnExit = false;

/** Base (even) of a range of `span` ports reserved for this test process until it exits. */
export function reservePortRange(span: number): number {
  const need = Math.ceil(span / BLOCK);
  if (!(need >= 1 && need <= BLOCKS)) throw new RangeError(`port span ${span}: 1 to ${BLOCKS * BLOCK}`);
  mkdirSync(LOCK_DIR, { recursive: true });
  const starts = BLOCKS - need + 1;
  // small ranges start the search at random (parallel test files do not all try the same blocks first); large ones
  // (the bench's 5 000 ports per system) from the bottom, or a random first one could leave no room for a second
  const offset = need > BLOCKS / 4 ? 0 : Math.floor(Math.random() * starts);
  for (let s = 0; s < starts; s++) {
    const start = (offset + s) % starts;
    const taken: string[] = [];
    for (let i = start; i < start + need; i++) {
      const lock = claimBlock(i);
      if (!lock) break;
      taken.push(lock);
    }
    if (taken.length === need) return FIRST_PORT + start * BLOCK;
    for (const lock of taken) releaseLock(lock);
  }
  throw new Error(`no free test port range of ${span} ports (locks in ${LOCK_DIR})`);
}

/** The lock file of block i for this process, or undefined when another live process holds (or claims) it. */
function claimBlock(i: number): string | undefined {
  const prefix = `block-${i}.`;
  const mine = join(LOCK_DIR, `${prefix}${process.pid}`);
  if (heldLocks.has(mine)) return undefined; // another range of this process
  // a leftover file with our pid is a dead process's: ours now
  writeFileSync(mine, '', { flag: 'w' });
  heldLocks.add(mine);
  if (!releaseOnExit) {
    releaseOnExit = true;
    process.once('exit', releaseAll);
  }
  for (const f of readdirSync(LOCK_DIR)) {
    if (!f.startsWith(prefix)) continue;
    const pid = Number(f.slice(prefix.length));
    if (pid === process.pid) continue;
    if (isAlive(pid)) {
      releaseLock(mine);
      return undefined;
    }
    try {
      unlinkSync(join(LOCK_DIR, f));
    } catch {
      // removed by another process meanwhile
    }
  }
  return mine;
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function releaseLock(lock: string): void {
  heldLocks.delete(lock);
  try {
    unlinkSync(lock);
  } catch {
    // gone already
  }
}

function releaseAll(): void {
  for (const lock of [...heldLocks]) releaseLock(lock);
}
