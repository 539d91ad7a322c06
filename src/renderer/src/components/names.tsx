// How the socket tables show names: a port as its IANA service (the class on hover), a peer as its
// host name, a public peer's country and owner. Static names come from the shared rules; looked-up
// ones from the names store, which each cell reads for its own address only, so a names update
// re-renders the cells that show that address and nothing else.
import { createContext, useContext, useMemo, useSyncExternalStore, type ReactNode } from 'react';
import { addressRange } from '../../../shared/address.js';
import type { Protocol, Socket } from '../../../shared/model.js';
import { formatEndpoint, formatHost } from '../../../shared/model.js';
import type { AddressNames } from '../../../shared/names.js';
import { hasRemote, namesKey, addressOwnerText, unownedRangeText } from '../../../shared/names.js';
import { describePortClass, portClass } from '../../../shared/port-class.js';
import { serviceName } from '../../../shared/services.js';
import type { NamesStore } from '../names-store.js';
import { Field, none } from './fields.js';

export const NamesContext = createContext<NamesStore | null>(null);

const never = () => () => {};

/** The names of one address, re-rendering only when they (or the display choice) change. */
export function useAddressNames(key: string | null): AddressNames | undefined {
  const store = useContext(NamesContext);
  return useSyncExternalStore(
    store === null || key === null ? never : (changed) => store.subscribe((k) => (k === null || k === key) && changed()),
    () => (store === null || key === null ? undefined : store.get(key)),
  );
}

const noLookup = { get: () => undefined, version: 0 };

/**
 * The names store's lookup for a filter, and (when `live`) a version that moves with every names
 * update, so a filter with host: or country: terms is applied again as names arrive.
 */
export function useNamesLookup(live: boolean): { get: (key: string) => AddressNames | undefined; version: number } {
  const store = useContext(NamesContext);
  const version = useSyncExternalStore(store === null || !live ? never : (changed) => store.subscribe(() => changed()), () => (store === null || !live ? 0 : store.version()));
  return useMemo(() => (store === null ? noLookup : { get: store.get, version }), [store, version]);
}

/** Whether names are shown (TCPView's "Resolve addresses"); true without a store. */
export function useResolve(): boolean {
  const store = useContext(NamesContext);
  return useSyncExternalStore(store === null ? never : (changed) => store.subscribe((k) => k === null && changed()), () => store?.resolve() ?? true);
}

/** "ssh (22/tcp), well-known port (0–1023)": what a port is, for a tooltip. */
export function describePort(port: number, protocol: Protocol): string {
  const service = serviceName(port, protocol);
  return `${service === null ? '' : `${service}, `}${port}/${protocol}: ${describePortClass(portClass(port))}`;
}

const countryNames = (() => {
  try {
    return new Intl.DisplayNames(['en'], { type: 'region' });
  } catch {
    return null;
  }
})();

/** "United States" for "US"; the code itself where the browser has no name for it. */
export function countryName(code: string): string {
  try {
    return countryNames?.of(code) ?? code;
  } catch {
    return code;
  }
}

function PortPart({ port, protocol, resolve }: { port: number | null; protocol: Protocol; resolve: boolean }): ReactNode {
  if (port === null) return <span className="port">:*</span>;
  const service = resolve ? serviceName(port, protocol) : null;
  return (
    <span className={service === null ? 'port' : 'port svc'} title={describePort(port, protocol)}>
      :{service ?? port}
    </span>
  );
}

export function LocalEndpoint({ s }: { s: Socket }): ReactNode {
  const resolve = useResolve();
  return (
    <>
      <span className="addr">{formatHost(s.localAddress)}</span>
      <PortPart port={s.localPort} protocol={s.protocol} resolve={resolve} />
    </>
  );
}

export function RemoteEndpoint({ s }: { s: Socket }): ReactNode {
  const remote = hasRemote(s);
  const names = useAddressNames(remote ? namesKey(s.remoteAddress!) : null);
  const resolve = useResolve();
  if (s.remoteAddress === null) return <span className="dim">*</span>;
  const host = resolve ? (names?.host ?? null) : null;
  return (
    <>
      <span className={host === null ? 'addr' : 'addr host'} title={`${formatEndpoint(s.remoteAddress, s.remotePort)} (${addressRange(s.remoteAddress)})`}>
        {host ?? formatHost(s.remoteAddress)}
      </span>
      <PortPart port={s.remotePort} protocol={s.protocol} resolve={resolve} />
    </>
  );
}

/** A public peer's country code and owner ("US Google LLC"), from the offline databases; what any other peer is. */
export function RemoteOwner({ s }: { s: Socket }): ReactNode {
  const remote = hasRemote(s);
  const names = useAddressNames(remote ? namesKey(s.remoteAddress!) : null);
  const unowned = remote ? unownedRangeText(addressRange(s.remoteAddress!)) : null;
  if (unowned !== null) return <span className="dim">{unowned}</span>;
  if (names === undefined || (names.country === null && names.org === null)) return <span className="dim">—</span>;
  const title = [names.country === null ? null : countryName(names.country), names.asn === null ? null : `AS${names.asn}`, names.org].filter(Boolean).join(' · ');
  return (
    <span className="owner" title={title}>
      {names.country !== null && <span className="cc">{names.country}</span>}
      {names.org ?? (names.asn === null ? '' : `AS${names.asn}`)}
    </span>
  );
}

/** "postgresql (5432/tcp)": a port and its service, for the detail panel. */
function PortName({ port, protocol }: { port: number; protocol: Protocol }): ReactNode {
  const service = serviceName(port, protocol);
  return service === null ? null : <span className="dim"> · {service}</span>;
}

/**
 * The detail panel's lines about the socket's ends: each port's service, and the peer's scope,
 * host name, country and owner — what `portwatch ip` says, for the selected socket.
 */
export function EndpointFields({ s }: { s: Socket }): ReactNode {
  const remote = hasRemote(s);
  const names = useAddressNames(remote ? namesKey(s.remoteAddress!) : null);
  const store = useContext(NamesContext);
  const dns = useSyncExternalStore(store === null ? never : (changed) => store.subscribe((k) => k === null && changed()), () => store?.reverseDns() ?? false);
  const owner = names === undefined ? null : addressOwnerText(names);
  const unowned = remote ? unownedRangeText(addressRange(s.remoteAddress!)) : null;
  return (
    <>
      <Field label="Local" mono>
        {formatEndpoint(s.localAddress, s.localPort)}
        <PortName port={s.localPort} protocol={s.protocol} />
      </Field>
      <Field label="Remote" mono>
        {s.remoteAddress === null ? none : formatEndpoint(s.remoteAddress, s.remotePort)}
        {remote && <PortName port={s.remotePort!} protocol={s.protocol} />}
      </Field>
      {remote && (
        <>
          <Field label="Peer scope">{addressRange(s.remoteAddress!)}</Field>
          <Field label="Host name" mono>
            {names?.host ?? <span className="dim">{dns ? 'none known' : 'not looked up (DNS lookups are off)'}</span>}
          </Field>
          {(names?.country ?? null) !== null && (
            <Field label="Country">
              {countryName(names!.country!)} <span className="dim">({names!.country})</span>
            </Field>
          )}
          {owner !== null && <Field label="Owner">{owner}</Field>}
          {unowned !== null && (
            <Field label="Country · owner">
              {unowned} <span className="dim">— not an internet address, so no country or owner</span>
            </Field>
          )}
        </>
      )}
    </>
  );
}

/**
 * The toolbar's "Resolve addresses" switch (names or raw addresses and port numbers: the view's
 * choice), and the engine's reverse-DNS switch beside it (privacy: the DNS server learns whom this
 * machine talks to; off, host names are dropped and no query is sent).
 */
export function ResolveToggle(): ReactNode {
  const store = useContext(NamesContext);
  const resolve = useResolve();
  const dns = useSyncExternalStore(store === null ? never : (changed) => store.subscribe((k) => k === null && changed()), () => store?.reverseDns() ?? false);
  if (store === null) return null;
  return (
    <span className="resolve-toggles">
      <label title="Show service and host names (off: raw addresses and port numbers)">
        <input type="checkbox" checked={resolve} onChange={(e) => store.setResolve(e.currentTarget.checked)} /> Resolve addresses
      </label>
      <label title="Ask DNS for the host names of remote addresses (the DNS server learns whom this machine talks to)">
        <input type="checkbox" checked={dns} onChange={(e) => void store.setReverseDns(e.currentTarget.checked).catch(() => {})} /> DNS lookups
      </label>
    </span>
  );
}
