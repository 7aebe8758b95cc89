// Rating engine: pure rules (no I/O). See docs/rating.md.
export * from './money.ts';
export * from './model.ts';
export * from './prefix-index.ts';
export * from './zone-clock.ts';
export * from './timing.ts';
export * from './tariff.ts';
export * from './catalog.ts';
export * from './profiles.ts';
export * from './price.ts';
export * from './simulate.ts';
export * from './lcr.ts';
export * from './rate-csv.ts';
export * from './rate-merge.ts';
export * from './authorisation.ts';
export * from './reservation-ledger.ts';
export * from './daily-usage.ts';
