// E.164 numbers as stored by the platform: '+' followed by 1–15 digits, first digit non-zero (ITU-T E.164 §6).

const E164 = /^\+[1-9]\d{0,14}$/;

export function isE164(s: string): boolean {
  return E164.test(s);
}
