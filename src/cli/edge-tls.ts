// TLS material of the users edge's TLS and WSS listeners (issue 6; RFC 3261 §26.2.1, RFC 7118 §5): the PEM
// certificate and key the operator configured (SIP_TLS_CERT / SIP_TLS_KEY), else a self-signed pair generated
// once with the openssl CLI into DATA_DIR/tls and reused on later starts. A configured pair that cannot be read
// or does not match is an operator error and stops the start; a missing self-signed pair (no openssl) is not:
// the default start must work on any machine, so it runs without TLS/WSS and says so in one line.
import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { join } from 'node:path';
import { loadOrCreateCertificate, type CertificateResult, type TlsSettings } from '../sip/transport/tls-settings.ts';
import type { Config } from '../config/load.ts';
import type { Output } from './context.ts';

export type EdgeTls =
  | { ok: true; tls: TlsSettings; description: string }
  | { ok: false; code: 'SIP_TLS_CERT_INVALID' | 'SIP_ERR_TLS_NO_CERTIFICATE'; message: string; fatal: boolean };

export interface EdgeTlsDeps {
  /** self-signed generator (tests replace it to simulate a machine without openssl) */
  generate?: (dir: string) => CertificateResult;
  now?: () => number;
}

/** Where the self-signed pair lives: `${dataDir}/tls/sip-tls.{crt,key}`. */
export function selfSignedDir(config: Config): string {
  return join(config.dataDir, 'tls');
}

function describeCert(pem: string, now: number): string {
  try {
    const x = new X509Certificate(pem);
    const expired = Date.parse(x.validTo) <= now;
    return `${x.subject.replace(/\n/g, ', ')}, valid until ${x.validTo}${expired ? ' (EXPIRED)' : ''}`;
  } catch {
    return 'unparsable certificate';
  }
}

/** Reads or generates the TLS certificate of the users edge. Never throws. */
export function resolveEdgeTls(config: Config, deps: EdgeTlsDeps = {}): EdgeTls {
  const now = (deps.now ?? Date.now)();
  const { cert: certFile, key: keyFile } = config.sip.tls;
  if (certFile !== null && keyFile !== null) {
    let cert: string;
    let key: string;
    try {
      cert = readFileSync(certFile, 'utf8');
      key = readFileSync(keyFile, 'utf8');
    } catch (e) {
      return { ok: false, code: 'SIP_TLS_CERT_INVALID', fatal: true, message: `SIP_TLS_CERT/SIP_TLS_KEY: ${(e as Error).message}` };
    }
    try {
      // Same check the listeners do when they bind, done here so the operator gets the setting's name.
      createSecureContext({ cert, key });
    } catch (e) {
      return {
        ok: false,
        code: 'SIP_TLS_CERT_INVALID',
        fatal: true,
        message: `SIP_TLS_CERT ${certFile} / SIP_TLS_KEY ${keyFile} are not a matching PEM certificate and key: ${(e as Error).message}`,
      };
    }
    return { ok: true, tls: { cert, key }, description: `${certFile} (${describeCert(cert, now)})` };
  }
  const r = (deps.generate ?? ((dir: string) => loadOrCreateCertificate(dir)))(selfSignedDir(config));
  if (!r.ok) return { ok: false, code: r.code, fatal: false, message: r.message };
  return {
    ok: true,
    tls: { cert: r.cert, key: r.key },
    description: `self-signed ${r.certPath} (${r.generated ? 'generated now' : 'generated on an earlier start'}; phones must trust it or skip verification)`,
  };
}

/**
 * The TLS settings `start` uses: null (after one line on stderr) when no certificate can be had without the
 * operator's help; throws when the configured certificate is unusable.
 */
export function edgeTlsForStart(config: Config, out: Output, deps: EdgeTlsDeps = {}): { tls: TlsSettings; description: string } | null {
  const r = resolveEdgeTls(config, deps);
  if (r.ok) return { tls: r.tls, description: r.description };
  if (r.fatal) throw Object.assign(new Error(r.message), { code: r.code });
  out.error(`sip: users TLS (port ${config.sip.users.tls}) and WSS (port ${config.sip.users.wss}) listeners not started: ${r.message} (SIP_TLS_CERT, SIP_TLS_KEY)`);
  return null;
}
