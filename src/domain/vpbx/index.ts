// vPBX model rules (seed-part2 §1.1–1.4): pure, unit-tested with plain values.
export * from './route-target.ts';
export * from './extension-number.ts';
export * from './call-rejection.ts';
export * from './codecs.ts';
export * from './mac.ts';
export * from './sip-password.ts';
export * from './sip-username.ts';
