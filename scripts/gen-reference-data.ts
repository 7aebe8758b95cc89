// Dev-time generator for the reference data seeded by src/store/migrations/0001_reference.ts.
// Run: node --import tsx scripts/gen-reference-data.ts
// Output is committed (src/store/reference/*.json) so the runtime depends neither on the `countries-list`
// dev package nor on the ICU/tzdata of the Node that runs it; ids stay the same everywhere. Re-running it on a
// newer Node/ICU may add or rename rows: review the diff, and seed changes with a NEW migration (0001 has
// already run on existing stores).
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { countries, continents, languages } from 'countries-list';

const outDir = new URL('../src/store/reference/', import.meta.url);
const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

// The source lists Kosovo's former borrowed codes first; +383 is its own ITU-assigned code (2016).
const primaryCallingCode: Record<string, number> = { XK: 383 };

function genCountries(): unknown[] {
  return Object.entries(countries)
    .sort(([a], [b]) => byCodePoint(a, b))
    .map(([code, c]) => {
      const phones = [...c.phone];
      const primary = primaryCallingCode[code] ?? phones[0];
      const ordered = primary === undefined ? phones : [primary, ...phones.filter((p) => p !== primary)];
      return {
        code,
        name: c.name,
        callingCode: primary === undefined ? null : `+${primary}`,
        callingCodes: ordered.map((p) => `+${p}`),
        continent: c.continent,
        continentName: continents[c.continent],
      };
    });
}

function genCurrencies(): unknown[] {
  const names = new Intl.DisplayNames('en', { type: 'currency' });
  return Intl.supportedValuesOf('currency')
    .slice()
    .sort(byCodePoint)
    .map((code) => {
      const fmt = new Intl.NumberFormat('en', { style: 'currency', currency: code, currencyDisplay: 'symbol' });
      const symbol = fmt.formatToParts(1).find((p) => p.type === 'currency')?.value ?? code;
      return { code, name: names.of(code) ?? code, symbol, decimals: fmt.resolvedOptions().maximumFractionDigits };
    });
}

function genLanguages(): unknown[] {
  return Object.entries(languages)
    .sort(([a], [b]) => byCodePoint(a, b))
    .map(([code, l]) => ({ code, name: l.name, nativeName: l.native }));
}

// ICU lists some zones under legacy ids (Asia/Calcutta); tzdata's zone.tab has the current names
// (Asia/Kolkata), a country and a comment. Use the zone.tab name when both resolve to the same ICU zone.
function genTimezones(): unknown[] {
  const zoneTab = '/usr/share/zoneinfo/zone.tab';
  const tab = new Map<string, { countryCode: string; comment: string | null }>();
  const icuOf = (name: string): string => new Intl.DateTimeFormat('en', { timeZone: name }).resolvedOptions().timeZone;
  const modernName = new Map<string, string>();
  if (existsSync(zoneTab)) {
    for (const line of readFileSync(zoneTab, 'utf8').split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      const [countryCode, , name, comment] = line.split('\t');
      if (!countryCode || !name) continue;
      tab.set(name, { countryCode, comment: comment?.trim() || null });
      try {
        modernName.set(icuOf(name), name);
      } catch {
        // zone unknown to this ICU: it cannot be used at runtime either, skip it
      }
    }
  } else {
    console.warn(`${zoneTab} missing: timezones get no country/comment and keep ICU ids`);
  }
  const names = new Set(Intl.supportedValuesOf('timeZone').map((n) => modernName.get(n) ?? n));
  names.add('UTC');
  return [...names].sort(byCodePoint).map((name) => {
    const t = tab.get(name);
    return { name, countryCode: t?.countryCode ?? null, comment: t?.comment ?? null };
  });
}

function write(file: string, rows: unknown[]): void {
  const text = `[\n${rows.map((r) => `  ${JSON.stringify(r)}`).join(',\n')}\n]\n`;
  writeFileSync(new URL(file, outDir), text);
  console.log(`${file}: ${rows.length} rows`);
}

write('countries.json', genCountries());
write('currencies.json', genCurrencies());
write('languages.json', genLanguages());
write('timezones.json', genTimezones());
