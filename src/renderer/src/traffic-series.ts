// What the header's traffic chart can show, and the rates of each: the whole machine (every interface
// but loopback, as the total rate counts it; the TCP connections where the OS gives no interface
// counters), one interface by name (lo included), or the process last selected in a view. Where the OS
// gives no counters for a choice, its series says why instead of drawing zeros.
import { isLoopbackInterface } from '../../shared/traffic.js';
import type { RateSample, TrafficSnapshot, TrafficStore } from './traffic-store.js';

/** The process the chart can follow: the one last selected in Connections, Listening, Ports or Processes. */
export interface ChartProcess {
  /** processKey(pid, startedAt), as in the traffic records. */
  key: string;
  pid: number;
  name: string;
}

/** A choice as the chooser's <option> value: 'machine', 'if:NAME' or 'process'. */
export type SeriesChoice = string;

export const MACHINE: SeriesChoice = 'machine';
export const PROCESS: SeriesChoice = 'process';
export const interfaceChoice = (name: string): SeriesChoice => `if:${name}`;

export interface SeriesOption {
  value: SeriesChoice;
  /** Short, for the chooser. */
  label: string;
  group: 'machine' | 'interfaces' | 'process';
}

export interface Series {
  /** What is drawn, in words: for the chart's label and the tooltip. */
  label: string;
  /** The rates over the last minutes, oldest first; null where they are not available. */
  samples: readonly RateSample[] | null;
  /** The latest rates; null where not available. */
  now: { sendRate: number; receiveRate: number } | null;
  /** Why there is nothing to draw (samples null). */
  unavailable: string | null;
}

/** The chooser's entries: the machine, each interface the engine counts (by name), the selected process. */
export function seriesOptions(traffic: TrafficSnapshot, process: ChartProcess | null): SeriesOption[] {
  const out: SeriesOption[] = [{ value: MACHINE, label: 'Whole machine', group: 'machine' }];
  const state = traffic.state;
  if (state !== null && state.availability.interfaces) {
    const names = state.interfaces.map((i) => i.name).sort((a, b) => Number(isLoopbackInterface(a)) - Number(isLoopbackInterface(b)) || a.localeCompare(b));
    for (const name of names) out.push({ value: interfaceChoice(name), label: isLoopbackInterface(name) ? `${name} (loopback)` : name, group: 'interfaces' });
  }
  if (process !== null) out.push({ value: PROCESS, label: `${process.name} · pid ${process.pid}`, group: 'process' });
  return out;
}

const notMeasured = (traffic: TrafficSnapshot) => ['Traffic is not measured here.', ...(traffic.state?.availability.notes ?? [])].join(' ');

/** The series of a choice, from the store's histories (a choice no longer offered falls back to the machine). */
export function chartSeries(store: Pick<TrafficStore, 'totalHistory' | 'interfaceHistory' | 'processHistory'>, traffic: TrafficSnapshot, choice: SeriesChoice, process: ChartProcess | null): Series {
  const state = traffic.state;
  if (choice.startsWith('if:')) {
    const name = choice.slice(3);
    const now = state?.interfaces.find((i) => i.name === name);
    const label = `interface ${name}${isLoopbackInterface(name) ? ' (loopback)' : ''}`;
    if (state === null || !state.availability.interfaces) return { label, samples: null, now: null, unavailable: `Not available: ${notMeasured(traffic)}` };
    if (now === undefined) return { label, samples: null, now: null, unavailable: `Not available: ${name} is gone` };
    return { label, samples: store.interfaceHistory(name), now: { sendRate: now.sendRate, receiveRate: now.receiveRate }, unavailable: null };
  }
  if (choice === PROCESS && process !== null) {
    const label = `${process.name} (pid ${process.pid})`;
    if (state === null || !state.availability.connections) return { label, samples: null, now: null, unavailable: `Not available: no per-connection counters here. ${notMeasured(traffic)}` };
    const record = traffic.processes.get(process.key);
    // No TCP connection counted for it (UDP or listeners only, or it has ended): its rate is unknown, not 0.
    if (record === undefined) return { label, samples: null, now: null, unavailable: `Not available: no TCP connection of ${process.name} counted` };
    return { label, samples: store.processHistory(process.key), now: { sendRate: record.sendRate, receiveRate: record.receiveRate }, unavailable: null };
  }
  const total = traffic.total;
  const label = total?.basis === 'connections' ? 'this machine (TCP connections)' : 'this machine (all interfaces but loopback)';
  if (total === null) return { label, samples: null, now: null, unavailable: `Not available: ${notMeasured(traffic)}` };
  return { label, samples: store.totalHistory(), now: { sendRate: total.sendRate, receiveRate: total.receiveRate }, unavailable: null };
}
