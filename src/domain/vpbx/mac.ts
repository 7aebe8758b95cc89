// MAC addresses of terminals (provisioning, seed-part2 §1.3): accepted as `AA:BB:CC:DD:EE:FF`,
// `aa-bb-cc-dd-ee-ff`, `aabb.ccdd.eeff` or 12 bare hex digits; stored as 12 lower-case hex digits, the form
// provisioning URL patterns use (`{mac}.cfg`, seed-part1 §2.19).

/** The normalised MAC, or null when `s` is not a MAC address. */
export function normaliseMac(s: string): string | null {
  const t = s.trim().toLowerCase();
  const forms = [/^([0-9a-f]{2})([:-])([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})$/, /^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$/, /^[0-9a-f]{12}$/];
  if (!forms.some((re) => re.test(t))) return null;
  return t.replace(/[^0-9a-f]/g, '');
}
