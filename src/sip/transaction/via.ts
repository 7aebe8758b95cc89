// Formatting our own Via values (RFC 3261 §20.42, RFC 3581 §3 rport).
export function formatOwnVia(transport: string, host: string, port: number | undefined, branch: string, rport = true): string {
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `SIP/2.0/${transport.toUpperCase()} ${h}${port !== undefined ? `:${port}` : ''};branch=${branch}${rport ? ';rport' : ''}`;
}
