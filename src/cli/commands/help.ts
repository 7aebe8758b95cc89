// `switchyard help`: commands and every configuration setting (from the settings catalogue, so it cannot drift).
import { SETTINGS } from '../../config/settings.ts';
import type { Output } from '../context.ts';

export function helpText(): string {
  const lines = [
    'usage: switchyard <command> [options]',
    '',
    'commands:',
    '  start [--roles api,edge,app,billing,jobs]   run the platform (default: every role, embedded store, demo data on first start)',
    '  migrate                                     apply pending database migrations and exit',
    '  create-admin --level platform|brand|client --username U --password P [--brand-id N] [--client-id N] [--reset]',
    '                                              create an administrator (or --reset its password)',
    '  demo                                        load the demo data into an empty store',
    '  help                                        this text',
    '',
    'settings (flag, environment variable, default):',
  ];
  for (const s of Object.values(SETTINGS)) {
    lines.push(`  ${s.flag.padEnd(24)} ${s.env.padEnd(20)} ${s.defaultText}`);
    lines.push(`  ${''.padEnd(24)} ${s.help}`);
  }
  lines.push('', 'Flags win over environment variables. Docs: docs/operators/running.md');
  return lines.join('\n');
}

export function runHelp(out: Output): void {
  out.info(helpText());
}
