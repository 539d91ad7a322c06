// Country, AS number and organisation of a public address, from the two offline databases shipped
// with Portwatch: no network, microseconds per answer. Opened on first use (they take a few MB and
// a few hundred milliseconds), and a database that cannot be read leaves its fields null.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AsnDatabase } from './asn-database.js';
import { CountryDatabase } from './country-database.js';

export interface AddressOwner {
  country: string | null;
  asn: number | null;
  org: string | null;
}

export interface AddressOwnersOptions {
  /** The country mmdb; default: the one in the @ip-location-db/geo-whois-asn-country-mmdb package. */
  countryPath?: string;
  /** The ASN table; default: generated/asn-owners.bin.gz in the package folder. */
  asnPath?: string;
}

const ASN_TABLE = join('generated', 'asn-owners.bin.gz');

/** generated/asn-owners.bin.gz, found upward from this module (src/core/names, dist/node/core/names, out/main, app.asar/out/main). */
export function findAsnTable(from: string = dirname(fileURLToPath(import.meta.url))): string | null {
  let dir = from;
  for (;;) {
    const candidate = join(dir, ASN_TABLE);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

export function findCountryDatabase(): string | null {
  try {
    const require = createRequire(import.meta.url);
    const path = join(dirname(require.resolve('@ip-location-db/geo-whois-asn-country-mmdb/package.json')), 'geo-whois-asn-country.mmdb');
    return existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

export class AddressOwners {
  private country: CountryDatabase | null | undefined;
  private asn: AsnDatabase | null | undefined;
  /** What could not be opened, said once for the user. */
  readonly problems: string[] = [];

  private loading: Promise<void> | null = null;

  constructor(private readonly options: AddressOwnersOptions = {}) {}

  /**
   * Opens both databases with the file reads and the unzipping off the event loop; resolves when
   * lookups are ready (never rejects: what fails is in problems). lookup() before that opens them
   * at once, for one-shot commands.
   */
  ready(): Promise<void> {
    this.loading ??= (async () => {
      const countryPath = this.options.countryPath ?? findCountryDatabase();
      const asnPath = this.options.asnPath ?? findAsnTable();
      const [country, asn] = await Promise.all([
        countryPath === null ? null : this.openAsync('country', countryPath, CountryDatabase.load),
        asnPath === null ? null : this.openAsync('AS number', asnPath, AsnDatabase.load),
      ]);
      // A lookup that came first opened them already (and said what failed).
      if (this.country === undefined) {
        this.country = country;
        if (countryPath === null) this.problems.push('the offline country database is not installed');
      }
      if (this.asn === undefined) {
        this.asn = asn;
        if (asnPath === null) this.problems.push('the offline AS number table is not built (npm run build:names-data)');
      }
    })();
    return this.loading;
  }

  /** Whether lookups answer from memory now. */
  get loaded(): boolean {
    return this.country !== undefined && this.asn !== undefined;
  }

  /** The owner of a public address (the caller decides what is public). */
  lookup(address: string): AddressOwner {
    const asn = this.asnDatabase()?.lookup(address) ?? null;
    return { country: this.countryDatabase()?.lookup(address) ?? null, asn: asn?.asn ?? null, org: asn?.org ?? null };
  }

  private countryDatabase(): CountryDatabase | null {
    if (this.country === undefined) {
      const path = this.options.countryPath ?? findCountryDatabase();
      this.country = path === null ? null : this.open('country', path, CountryDatabase.open);
      if (path === null) this.problems.push('the offline country database is not installed');
    }
    return this.country;
  }

  private asnDatabase(): AsnDatabase | null {
    if (this.asn === undefined) {
      const path = this.options.asnPath ?? findAsnTable();
      this.asn = path === null ? null : this.open('AS number', path, AsnDatabase.open);
      if (path === null) this.problems.push('the offline AS number table is not built (npm run build:names-data)');
    }
    return this.asn;
  }

  private async openAsync<T>(what: string, path: string, load: (path: string) => Promise<T>): Promise<T | null> {
    try {
      return await load(path);
    } catch (e) {
      this.problems.push(`cannot read the offline ${what} database ${path}: ${e instanceof Error ? e.message : String(e)}`);
      return null;
    }
  }

  private open<T>(what: string, path: string, open: (path: string) => T): T | null {
    try {
      return open(path);
    } catch (e) {
      this.problems.push(`cannot read the offline ${what} database ${path}: ${e instanceof Error ? e.message : String(e)}`);
      return null;
    }
  }
}
