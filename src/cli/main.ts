// The `switchyard` command: `node --import ./bin/typescript.mjs src/cli/main.ts <command>` (npm start = `start`), or
// bin/switchyard.mjs. npm's scripts and bin/switchyard.mjs add bin/node-options.mjs's V8 flags to NODE_OPTIONS.
// Exit codes: 0 ok, 1 runtime failure, 2 bad usage or configuration.
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { parseArgs, takeFlags } from './args.ts';
import { consoleOutput, resolveConfig, type CommandResult, type Output } from './context.ts';
import { runHelp } from './commands/help.ts';

const COMMANDS = ['start', 'migrate', 'create-admin', 'demo', 'help'] as const;

export async function main(argv: readonly string[], out: Output = consoleOutput): Promise<number> {
  const parsed = parseArgs(argv, ['--help', '-h', '--reset']);
  if (!parsed.ok) {
    out.error(`switchyard: ${parsed.message}`);
    return 2;
  }
  const { command, flags } = parsed.args;
  if (command === null || command === 'help' || flags['--help'] || flags['-h']) {
    runHelp(out);
    return command === null ? 2 : 0;
  }
  if (!(COMMANDS as readonly string[]).includes(command)) {
    out.error(`switchyard: unknown command "${command}" (commands: ${COMMANDS.join(', ')})`);
    return 2;
  }
  const own = takeFlags(flags, command === 'create-admin'
    ? ['--level', '--username', '--password', '--brand-id', '--client-id', '--reset'] : []);
  const config = resolveConfig(flags, out);
  if (!config) return 2;

  let result: CommandResult;
  switch (command) {
    case 'start': {
      const { runStart } = await import('./commands/start.ts');
      result = await runStart(config, out);
      break;
    }
    case 'migrate': {
      const { runMigrate } = await import('./commands/admin.ts');
      result = await runMigrate(config, out);
      break;
    }
    case 'demo': {
      const { runDemo } = await import('./commands/admin.ts');
      result = await runDemo(config, out);
      break;
    }
    case 'create-admin': {
      const { createAdmin } = await import('./commands/admin.ts');
      const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
      const password = own['--password'] ?? process.env.ADMIN_PASSWORD;
      if (!own['--level'] || !own['--username'] || !password) {
        out.error('create-admin needs --level, --username and --password (or ADMIN_PASSWORD in the environment)');
        return 2;
      }
      const brandId = num(own['--brand-id']);
      const clientId = num(own['--client-id']);
      if ((brandId !== undefined && !Number.isInteger(brandId)) || (clientId !== undefined && !Number.isInteger(clientId))) {
        out.error('--brand-id and --client-id must be integers');
        return 2;
      }
      const r = await createAdmin(config, {
        level: own['--level'], username: own['--username'], password,
        ...(brandId !== undefined ? { brandId } : {}), ...(clientId !== undefined ? { clientId } : {}),
        reset: own['--reset'] === 'true',
      });
      if (r.ok) {
        out.info(`create-admin: ${r.action === 'created' ? 'created' : 'new password for'} ${own['--level']} administrator ${own['--username']} (id ${r.id})`);
        result = { ok: true };
      } else {
        out.error(`create-admin: ${r.message}`);
        result = { ok: false, code: r.code, exitCode: r.code === 'ADMIN_INVALID' ? 2 : 1 };
      }
      break;
    }
    default:
      return 2;
  }
  return result.ok ? 0 : result.exitCode;
}

// Run when executed directly (not when imported by tests).
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      consoleOutput.error(`switchyard: ${(err as Error)?.stack ?? String(err)}`);
      process.exitCode = 1;
    },
  );
}
