// Reads .cpuprofile files (V8 CPU profiles, as written by `run.ts --cpu-prof DIR` or `node --cpu-prof`) and prints
// self time per file and per function, and the inclusive ("total") time of this project's functions, so hot spots
// can be named with numbers. Divide by the step's operation count for µs per REGISTER / call.
//
//   node --import tsx bench/edge/profile-summary.ts FILE.cpuprofile [...] [--top 40] [--per N]
//
// `--per N`: also print µs per operation for N operations (the step's total).
import { readFileSync } from 'node:fs';

interface Frame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface Node {
  id: number;
  callFrame: Frame;
  children?: number[];
}
interface Profile {
  nodes: Node[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const files = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
const opt = (name: string, d: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : d;
};
const top = opt('--top', 40);
const per = opt('--per', 0);

const shortUrl = (url: string) => {
  if (!url) return '(native)';
  const m = /\/work\/main\/(.*)$/.exec(url) ?? /node_modules\/(.*)$/.exec(url);
  return m ? m[1]! : url.replace(/^file:\/\//, '');
};

const selfByFn = new Map<string, number>();
const selfByFile = new Map<string, number>();
const totalByFn = new Map<string, number>();
let totalUs = 0;

for (const file of files) {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  // timeDeltas[i] is the time before sample i; attribute each delta to the sample it precedes
  p.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    const f = n.callFrame;
    if (f.functionName === '(idle)' || f.functionName === '(program)' && !f.url) {
      if (f.functionName === '(idle)') continue;
    }
    totalUs += us;
    const fn = `${f.functionName || '(anonymous)'} ${shortUrl(f.url)}:${f.lineNumber + 1}`;
    selfByFn.set(fn, (selfByFn.get(fn) ?? 0) + us);
    const key = shortUrl(f.url) || f.functionName;
    selfByFile.set(key, (selfByFile.get(key) ?? 0) + us);
    // inclusive: every distinct function on the stack gets the sample once
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const cf = byId.get(cur)!.callFrame;
      const name = `${cf.functionName || '(anonymous)'} ${shortUrl(cf.url)}:${cf.lineNumber + 1}`;
      if (seen.has(name)) continue;
      seen.add(name);
      totalByFn.set(name, (totalByFn.get(name) ?? 0) + us);
    }
  }
}

const fmt = (us: number) => {
  const pct = ((us / totalUs) * 100).toFixed(1).padStart(5);
  const ms = (us / 1000).toFixed(1).padStart(9);
  return per > 0 ? `${ms} ms ${pct}% ${(us / per).toFixed(1).padStart(7)} µs/op` : `${ms} ms ${pct}%`;
};
const print = (title: string, m: Map<string, number>, filter: (k: string) => boolean = () => true) => {
  console.log(`\n== ${title}`);
  for (const [k, v] of [...m].filter(([k]) => filter(k)).sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${fmt(v)}  ${k}`);
};
console.log(`non-idle samples: ${(totalUs / 1000).toFixed(1)} ms over ${files.length} profile(s)${per ? `, ${(totalUs / per).toFixed(1)} µs per op` : ''}`);
print('self time per file', selfByFile);
print('self time per function', selfByFn);
print('inclusive time, project functions (src/)', totalByFn, (k) => / src\//.test(k));
