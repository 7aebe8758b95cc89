// Command-line parsing for `switchyard <command> [--flag value | --flag=value]…`. Deliberately tiny: every
// flag takes a value except the boolean ones a command declares, and unknown flags are reported by the
// command (configuration flags are validated by src/config/load.ts).

export interface ParsedArgs {
  command: string | null;
  flags: Record<string, string>;
  positionals: string[];
}

export type ArgsResult = { ok: true; args: ParsedArgs } | { ok: false; code: 'ARGS_INVALID'; message: string };

/** `booleans`: flags that take no value (`--help`); given as `--name`, stored as 'true'. */
export function parseArgs(argv: readonly string[], booleans: readonly string[] = ['--help', '-h']): ArgsResult {
  const flags: Record<string, string> = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('-') && a !== '-') {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(0, eq) : a;
      if (booleans.includes(name)) {
        flags[name] = eq > 0 ? a.slice(eq + 1) : 'true';
        continue;
      }
      if (eq > 0) {
        flags[name] = a.slice(eq + 1);
        continue;
      }
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) {
        return { ok: false, code: 'ARGS_INVALID', message: `option ${name} needs a value` };
      }
      flags[name] = next;
      i++;
      continue;
    }
    positionals.push(a);
  }
  const command = positionals.shift() ?? null;
  return { ok: true, args: { command, flags, positionals } };
}

/** Removes and returns the given flags (command-specific ones) so the rest can go to the config loader. */
export function takeFlags(flags: Record<string, string>, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) {
    if (flags[n] !== undefined) {
      out[n] = flags[n] as string;
      delete flags[n];
    }
  }
  return out;
}
