// Terminal names are SIP usernames (seed-part2 §1.3): the user part of `sip:name@client-domain`. We accept the
// RFC 3261 §25.1 `unreserved` characters only (letters, digits, `-_.!~*'()`), 1–64 chars, so a name never needs
// escaping in a URI, a digest `username=` or a provisioning file. Case-sensitive, as RFC 3261 §19.1.4 says.

export const SIP_USERNAME_PATTERN = "^[A-Za-z0-9\\-_.!~*'()]{1,64}$";

export function isSipUsername(s: string): boolean {
  return new RegExp(SIP_USERNAME_PATTERN).test(s);
}
