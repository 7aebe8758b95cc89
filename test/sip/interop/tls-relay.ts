// A TLS⇄TCP relay for interop tests. Debian's SIPp 3.6.1 is built without OpenSSL ("To use a TLS
// transport you must compile SIPp with OpenSSL"), so SIPp speaks TCP to this relay and the relay speaks
// TLS to the library (or the other way round): the library's TLS transport still carries SIPp's traffic.
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import tls from 'node:tls';

/** True when this SIPp binary has TLS (`-t l1`); its version banner lists the compiled-in options. */
export function sippHasTls(bin: string): boolean {
  try {
    const v = execFileSync(bin, ['-v'], { encoding: 'latin1', timeout: 5000, stdio: ['ignore', 'pipe', 'pipe'] });
    return /-TLS\b/.test(v);
  } catch (e) {
    const out = String((e as { stdout?: unknown }).stdout ?? '');
    return /-TLS\b/.test(out);
  }
}

export interface Relay {
  port: number;
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1 (`accept`: plain TCP or TLS with key/cert) and pipes every connection to
 * `target` (`connect`: plain TCP or TLS verified with `ca`).
 */
export async function startRelay(o: {
  accept: 'tcp' | 'tls';
  connect: 'tcp' | 'tls';
  target: { host: string; port: number };
  key: string;
  cert: string;
  servername?: string;
}): Promise<Relay> {
  const sockets = new Set<net.Socket>();
  const onClient = (client: net.Socket) => {
    const upstream: net.Socket =
      o.connect === 'tls'
        ? tls.connect({ host: o.target.host, port: o.target.port, ca: o.cert, servername: o.servername ?? 'switchyard' })
        : net.connect({ host: o.target.host, port: o.target.port });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  };
  const server =
    o.accept === 'tls' ? tls.createServer({ key: o.key, cert: o.cert }, onClient) : net.createServer(onClient);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
