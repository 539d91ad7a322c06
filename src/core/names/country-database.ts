// The offline IP → country database: the @ip-location-db/geo-whois-asn-country-mmdb package (CC0;
// built from RIR whois and geofeed data, NRO data CC BY 4.0), read with MaxMind's reader.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Reader, type Response } from 'maxmind';
import { unmapped } from '../../shared/address.js';

export class CountryDatabase {
  private readonly reader: Reader<Response>;

  constructor(mmdb: Buffer) {
    this.reader = new Reader<Response>(mmdb);
  }

  static open(path: string): CountryDatabase {
    return new CountryDatabase(readFileSync(path));
  }

  static async load(path: string): Promise<CountryDatabase> {
    return new CountryDatabase(await readFile(path));
  }

  /** When the data was built (epoch ms). */
  get builtAt(): number {
    return this.reader.metadata.buildEpoch.getTime();
  }

  /** ISO 3166-1 alpha-2, or null when the database has no country for it. */
  lookup(address: string): string | null {
    try {
      // ip-location-db's records are flat ({ country_code }), not MaxMind's nested country object.
      const code = (this.reader.get(unmapped(address)) as { country_code?: unknown } | null)?.country_code;
      return typeof code === 'string' && /^[A-Z]{2}$/.test(code) ? code : null;
    } catch {
      return null; // not an address the reader takes
    }
  }
}
