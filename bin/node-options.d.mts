// Types of bin/node-options.mjs for the TypeScript that imports it (tests, bench).
export declare const PLATFORM_V8_FLAGS: readonly string[];
export declare function platformNodeOptions(existing?: string): string;
