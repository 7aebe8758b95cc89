// Reference tables (migration 0001_reference): ISO countries, currencies, languages and IANA time zones,
// seeded from the committed JSON in ../reference. Ids are stable across stores (same rows, same order).
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

export type ContinentCode = 'AF' | 'AN' | 'AS' | 'EU' | 'NA' | 'OC' | 'SA';

export interface CountriesTable {
  id: Generated<number>;
  /** ISO 3166-1 alpha-2, upper case ('ES'). Includes the user-assigned XK (Kosovo). */
  code: string;
  /** English name. */
  name: string;
  /**
   * Primary E.164 calling code with '+' ('+34'). North-American-numbering countries other than US/CA carry
   * their area code too ('+1809' for DO), as in the source data. Null only if the source has none.
   */
  callingCode: string | null;
  /** All calling codes, primary first. */
  callingCodes: ColumnType<string[], string[] | undefined, string[]>;
  continent: ContinentCode;
  /** English continent name ('Europe'). */
  continentName: string;
}

export interface CurrenciesTable {
  id: Generated<number>;
  /** ISO 4217 ('EUR'). */
  code: string;
  /** English name ('Euro'). */
  name: string;
  /** Symbol for invoices and balances ('€', 'CA$'); the code itself when no symbol exists. */
  symbol: string;
  /** Minor-unit digits (EUR 2, JPY 0, KWD 3). Amounts are still stored in 1/10000 units. */
  decimals: number;
}

export interface LanguagesTable {
  id: Generated<number>;
  /** ISO 639-1, lower case ('es'). */
  code: string;
  /** English name ('Spanish'). */
  name: string;
  /** Name in the language itself ('Español'). */
  nativeName: string;
}

export interface TimezonesTable {
  id: Generated<number>;
  /** IANA name ('Europe/Madrid', 'UTC'), current spelling (Asia/Kolkata, not Asia/Calcutta). */
  name: string;
  /** ISO 3166-1 alpha-2 of the zone's country (tzdata zone.tab); null for 'UTC'. */
  countryCode: string | null;
  /** tzdata comment distinguishing zones of one country ('Spain (mainland)'). */
  comment: string | null;
}

export interface ReferenceTables {
  countries: CountriesTable;
  currencies: CurrenciesTable;
  languages: LanguagesTable;
  timezones: TimezonesTable;
}

export type Country = Selectable<CountriesTable>;
export type Currency = Selectable<CurrenciesTable>;
export type Language = Selectable<LanguagesTable>;
export type Timezone = Selectable<TimezonesTable>;
export type NewCurrency = Insertable<CurrenciesTable>;
