// TLS material for the TLS and WSS transports (RFC 3261 §26.2.1, RFC 7118 §5): the certificate comes
// from configuration; without one a self-signed certificate is generated once with the openssl CLI and
// cached in a directory, so a laptop start works without network or extra packages.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, chmodSync } from 'node:fs';
import { join } from 'node:path';

export interface TlsSettings {
  key: string | Buffer;
  cert: string | Buffer;
  /** trust anchors for verifying peers (outbound connections; client certificates) */
  ca?: string | Buffer | Array<string | Buffer>;
  /** outbound: verify the server certificate (default true; tests against self-signed peers pass false or `ca`) */
  rejectUnauthorized?: boolean;
  /** outbound SNI / name to verify; defaults to the target host when it is a name */
  servername?: string;
  /** inbound: ask clients for a certificate (mutual TLS with trunks); not verified here, the edge decides */
  requestClientCert?: boolean;
}

export type CertificateResult =
  | { ok: true; key: string; cert: string; generated: boolean; keyPath: string; certPath: string }
  | { ok: false; code: 'SIP_ERR_TLS_NO_CERTIFICATE'; message: string };

/**
 * Returns `dir/sip-tls.key` + `dir/sip-tls.crt`, generating a self-signed EC P-256 certificate (CN given,
 * 10 years) when they do not exist. Fails with a clear message when openssl is not installed.
 */
export function loadOrCreateCertificate(dir: string, commonName = 'switchyard'): CertificateResult {
  const keyPath = join(dir, 'sip-tls.key');
  const certPath = join(dir, 'sip-tls.crt');
  if (existsSync(keyPath) && existsSync(certPath)) {
    return { ok: true, key: readFileSync(keyPath, 'utf8'), cert: readFileSync(certPath, 'utf8'), generated: false, keyPath, certPath };
  }
  if (!/^[A-Za-z0-9.*-]{1,64}$/.test(commonName)) {
    return { ok: false, code: 'SIP_ERR_TLS_NO_CERTIFICATE', message: `invalid certificate common name ${JSON.stringify(commonName)}` };
  }
  mkdirSync(dir, { recursive: true });
  // write to temporary names and rename, so a crash never leaves a key without its certificate
  const tmpKey = `${keyPath}.${process.pid}.tmp`;
  const tmpCert = `${certPath}.${process.pid}.tmp`;
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '3650',
        '-subj', `/CN=${commonName}`, '-keyout', tmpKey, '-out', tmpCert],
      { stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 },
    );
    chmodSync(tmpKey, 0o600);
    renameSync(tmpKey, keyPath);
    renameSync(tmpCert, certPath);
  } catch (e) {
    rmSync(tmpKey, { force: true });
    rmSync(tmpCert, { force: true });
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    return {
      ok: false,
      code: 'SIP_ERR_TLS_NO_CERTIFICATE',
      message: missing
        ? 'no TLS certificate configured and the openssl command is not installed to generate a self-signed one: ' +
          'configure a certificate and key for the TLS/WSS listeners'
        : `generating a self-signed TLS certificate with openssl failed: ${(e as Error).message}`,
    };
  }
  return { ok: true, key: readFileSync(keyPath, 'utf8'), cert: readFileSync(certPath, 'utf8'), generated: true, keyPath, certPath };
}
