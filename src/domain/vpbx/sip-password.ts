// "Secure password" for SIP terminals (seed-part2 §1.3, §4 ambiguity 30: the rules are not given). Ours: at least
// 10 characters, with at least one upper-case letter, one lower-case letter and one digit; printable ASCII
// without spaces (it is typed into phones and carried in provisioning files). The generator in
// src/store/secrets produces passwords that pass this check. The API does not force it on every write (the
// docs' demo uses `alice`/`alice`); `isSecureSipPassword` lets the portal warn.

export const SIP_PASSWORD_MIN_LENGTH = 10;
export const SIP_PASSWORD_MAX_LENGTH = 64;
/** Printable ASCII without space, quote and backslash (they need escaping in digest headers and config files). */
export const SIP_PASSWORD_PATTERN = '^[!#-\\[\\]-~]+$';

export function isSecureSipPassword(pw: string): boolean {
  return (
    pw.length >= SIP_PASSWORD_MIN_LENGTH &&
    pw.length <= SIP_PASSWORD_MAX_LENGTH &&
    new RegExp(SIP_PASSWORD_PATTERN).test(pw) &&
    /[A-Z]/.test(pw) &&
    /[a-z]/.test(pw) &&
    /[0-9]/.test(pw)
  );
}
