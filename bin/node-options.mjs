// V8 settings every Switchyard process runs with, in NODE_OPTIONS ahead of the operator's own (a later flag wins, so
// `NODE_OPTIONS=--max-semi-space-size=64 npm start` overrides ours). Used by bin/switchyard.mjs and by the test and
// bench process launcher (test/e2e/support/process.ts); package.json's start and switchyard scripts spell the same
// value (test/cli/node-options.test.ts keeps them equal).
//
// --max-semi-space-size=64 (MB; Node 20's default is 16): a call allocates about 230 KB of short-lived objects
// (parsed and serialised SIP messages), and V8's young generation is scavenged each time a semi-space fills. A larger
// one means fewer scavenges, and fewer of a call's objects still alive (so copied, or promoted to the old generation)
// when one runs. bench/edge/ab.ts, 24 rounds: 32 MB against 16 gave 0.91× the CPU per call, 64 against 32 another
// 0.96× (128 was worse in a shorter run). The space grows only under load: up to 2 × (64 − 16) MB more resident
// memory then, nothing when idle.
export const PLATFORM_V8_FLAGS = ['--max-semi-space-size=64'];

/** NODE_OPTIONS for a platform process: our flags first, then `existing` (the operator's, which win). */
export function platformNodeOptions(existing = process.env.NODE_OPTIONS ?? '') {
  return [...PLATFORM_V8_FLAGS, existing].filter((s) => s.trim() !== '').join(' ');
}
