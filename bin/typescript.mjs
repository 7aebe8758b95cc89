// `node --import ./bin/typescript.mjs src/cli/main.ts …`: runs the platform's TypeScript sources without a
// build step (bin/typescript-hooks.mjs says how and why not tsx). Stack traces point at the .ts lines.
import { register } from 'node:module';

process.setSourceMapsEnabled(true);
register('./typescript-hooks.mjs', import.meta.url);
