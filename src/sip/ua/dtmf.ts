// DTMF over SIP INFO with application/dtmf-relay bodies (the de-facto format of Cisco/Asterisk/Kamailio UAs;
// there is no RFC for it: "Signal=<digit>\r\nDuration=<ms>\r\n").
export const DTMF_RELAY = 'application/dtmf-relay';

const DIGITS = /^[0-9*#A-Da-d]$/;

export function formatDtmfRelay(digit: string, durationMs = 160): string {
  if (!DIGITS.test(digit)) throw new Error(`not a DTMF digit: ${digit}`);
  return `Signal=${digit.toUpperCase()}\r\nDuration=${Math.round(durationMs)}\r\n`;
}

export function parseDtmfRelay(body: string): { digit: string; durationMs: number } | undefined {
  const signal = /^\s*Signal\s*=\s*(\S+)\s*$/im.exec(body)?.[1];
  if (signal === undefined) return undefined;
  // Some phones send the event code (10 = *, 11 = #) instead of the character.
  const digit = signal === '10' ? '*' : signal === '11' ? '#' : signal.toUpperCase();
  if (!DIGITS.test(digit)) return undefined;
  const d = /^\s*Duration\s*=\s*(\d+)\s*$/im.exec(body)?.[1];
  return { digit, durationMs: d === undefined ? 160 : Number(d) };
}
