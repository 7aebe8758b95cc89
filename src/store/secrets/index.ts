export * from './sip-secret.ts';
