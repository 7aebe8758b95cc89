// Process secrets: the API token signing key and the at-rest encryption key for SIP passwords.
// Generated once into DATA_DIR/secrets.json (mode 0600) and reused on every start, unless given
// explicitly (JWT_SECRET / ENCRYPTION_KEY), which a cluster needs so every node agrees.
// Secrets are never logged: callers get them as values, and describeConfig() leaves them out.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from './load.ts';

export interface Secrets {
  jwtSecret: string;
  encryptionKey: string;
}

export type SecretsResult =
  | { ok: true; secrets: Secrets; file: string; created: boolean }
  | { ok: false; code: 'SECRETS_UNREADABLE' | 'SECRETS_INVALID'; message: string };

const KEY_BYTES = 32;

export function newSecret(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

function valid(v: unknown): v is string {
  return typeof v === 'string' && Buffer.from(v, 'base64').length >= KEY_BYTES;
}

export function secretsFile(dataDir: string): string {
  return join(dataDir, 'secrets.json');
}

/** Loads DATA_DIR/secrets.json, creating it (0600) when missing; explicit config values win. */
export function loadSecrets(config: Pick<Config, 'dataDir' | 'jwtSecret' | 'encryptionKey'>): SecretsResult {
  const file = secretsFile(config.dataDir);
  let stored: Partial<Secrets> = {};
  let exists = true;
  try {
    statSync(file);
  } catch {
    exists = false;
  }
  if (exists) {
    try {
      stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<Secrets>;
    } catch (e) {
      return { ok: false, code: 'SECRETS_UNREADABLE', message: `${file}: ${(e as Error).message}` };
    }
    if (!valid(stored.jwtSecret) || !valid(stored.encryptionKey)) {
      // Never regenerate silently: a new encryption key would make stored SIP passwords unreadable.
      return {
        ok: false,
        code: 'SECRETS_INVALID',
        message: `${file} lacks a valid jwtSecret/encryptionKey (base64, ≥${KEY_BYTES} bytes); restore it from backup`,
      };
    }
  }
  let created = false;
  if (!exists) {
    stored = { jwtSecret: newSecret(), encryptionKey: newSecret() };
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(file, JSON.stringify(stored, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600); // the umask may have narrowed the mode further but never widen it
    created = true;
  }
  return {
    ok: true,
    file,
    created,
    secrets: {
      jwtSecret: config.jwtSecret ?? (stored.jwtSecret as string),
      encryptionKey: config.encryptionKey ?? (stored.encryptionKey as string),
    },
  };
}
