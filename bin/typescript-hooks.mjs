// Module loader hooks that run Switchyard's TypeScript sources directly (registered by bin/typescript.mjs).
// Every `.ts` file under file: URLs is compiled with esbuild's transform (types stripped, nothing bundled or
// renamed, an inline source map for stack traces); resolution stays Node's own, which works because the
// sources import each other with their `.ts` extensions (tsconfig allowImportingTsExtensions).
//
// Why not tsx, which the test runner uses: tsx compiles with esbuild's `keepNames`, which wraps every named
// function and class expression in a `__name(fn, "name")` call (an Object.defineProperty) each time it is
// created. On the SIP hot path that is thousands of closures per second: measured 7–10 % of the CPU per call
// in bench/edge. Without minification nothing is renamed, so names stay as written anyway.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';

/** The compiler options of tsconfig.json that change emitted JavaScript (class fields, import elision). */
const TSCONFIG = { compilerOptions: { target: 'ES2022', useDefineForClassFields: true, verbatimModuleSyntax: true } };

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context);
  const path = fileURLToPath(url);
  const source = await readFile(path, 'utf8');
  const out = await transform(source, {
    loader: 'ts',
    format: 'esm',
    target: 'node20',
    sourcemap: 'inline',
    sourcefile: path,
    tsconfigRaw: TSCONFIG,
  });
  return { format: 'module', source: out.code, shortCircuit: true };
}
