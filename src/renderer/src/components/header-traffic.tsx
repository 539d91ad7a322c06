// The header's traffic chart: sent and received over the last minutes for what the chooser says (the
// whole machine, one interface, the selected process), with the rates now beside it as its legend.
// Redrawn at most once a second and after the tables: it must never hold up a delta reaching the rows.
import { memo, useDeferredValue, useMemo, useRef, useState } from 'react';
import { formatRate } from '../../../shared/units.js';
import { useStore, useThrottledValue, useTraffic, useWidth } from '../hooks.js';
import { chartSeries, MACHINE, seriesOptions, type ChartProcess, type SeriesChoice } from '../traffic-series.js';
import { TrafficChart } from './traffic-chart.js';

const GROUP_LABEL = { interfaces: 'Interfaces', process: 'Selected process' } as const;

export const HeaderTraffic = memo(function HeaderTraffic({ process, height = 64 }: { process: ChartProcess | null; height?: number }) {
  const store = useStore();
  const traffic = useDeferredValue(useThrottledValue(useTraffic(), 1000));
  const [choice, setChoice] = useState<SeriesChoice>(MACHINE);
  const options = useMemo(() => seriesOptions(traffic, process), [traffic, process]);
  // A choice no longer offered (an interface gone) shows the machine until it comes back.
  const shown = options.some((o) => o.value === choice) ? choice : MACHINE;
  // The histories grow with each update (traffic.version).
  const series = useMemo(() => chartSeries(store.traffic, traffic, shown, process), [store, traffic, shown, process]);
  const box = useRef<HTMLDivElement>(null);
  const width = useWidth(box);
  const now = series.now;

  return (
    <div className="header-traffic" data-testid="header-traffic">
      <div className="header-traffic-side">
        <select className="header-traffic-choice" aria-label="Traffic chart shows" title={`The chart shows ${series.label}`} value={shown} onChange={(e) => setChoice(e.target.value)}>
          {options
            .filter((o) => o.group === 'machine')
            .map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          {(['interfaces', 'process'] as const).map((group) => {
            const entries = options.filter((o) => o.group === group);
            return entries.length === 0 ? null : (
              <optgroup key={group} label={GROUP_LABEL[group]}>
                {entries.map((o) => (
                  <option key={o.value} value={o.value}>
                    {o.label}
                  </option>
                ))}
              </optgroup>
            );
          })}
        </select>
        <dl className="header-traffic-now" aria-label={`Rates now of ${series.label}`} data-testid="chart-rates">
          <div className="rate-up" title="Sent: bytes per second leaving (drawn above the line)">
            <dt>▲ sent</dt>
            <dd>{now === null ? 'n/a' : formatRate(now.sendRate)}</dd>
          </div>
          <div className="rate-down" title="Received: bytes per second arriving (drawn below the line)">
            <dt>▼ received</dt>
            <dd>{now === null ? 'n/a' : formatRate(now.receiveRate)}</dd>
          </div>
        </dl>
      </div>
      <div className="header-traffic-chart" ref={box}>
        {width > 0 && <TrafficChart samples={series.samples} label={series.label} unavailable={series.unavailable} width={width} height={height} compact />}
      </div>
    </div>
  );
});
