export * from './caller.ts';
export * from './features.ts';
export * from './client-types.ts';
