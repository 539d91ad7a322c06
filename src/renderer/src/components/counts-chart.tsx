// Socket counts over the last few minutes, stacked by band, small enough to live in the header.
import { memo } from 'react';
import { Area, AreaChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { Band, CountSample } from '../store.js';
import { BANDS } from '../store.js';
import { formatCount } from '../format.js';
import { useDarkScheme } from '../hooks.js';

export const BAND_LABEL: Record<Band, string> = {
  established: 'Established',
  listening: 'Listening',
  timeWait: 'Time wait',
  other: 'Other',
};

// SVG fills cannot read the stylesheet's variables everywhere, so the palette lives here too, kept
// in step with --band-* in styles/base.css.
export const BAND_COLOURS: Record<'light' | 'dark', Record<Band, string>> = {
  light: { established: '#2b8a3e', listening: '#1971c2', timeWait: '#9aa3ad', other: '#e8590c' },
  dark: { established: '#51cf66', listening: '#4dabf7', timeWait: '#6c757d', other: '#ff922b' },
};

/** Bottom to top: the steady listeners under the busier bands. */
const STACK: readonly Band[] = ['listening', 'established', 'timeWait', 'other'];

function clock(t: number): string {
  const d = new Date(t);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

interface TipProps {
  active?: boolean;
  payload?: readonly { payload?: CountSample }[];
}

function ChartTip({ active, payload }: TipProps) {
  const sample = payload?.[0]?.payload;
  if (!active || !sample) return null;
  return (
    <div className="chart-tip">
      <div className="chart-tip-time">{clock(sample.t)}</div>
      {BANDS.map((b) => (
        <div key={b} className="chart-tip-row">
          <span className={`dot band-${b}`} aria-hidden="true" />
          {BAND_LABEL[b]} <strong>{formatCount(sample[b])}</strong>
        </div>
      ))}
    </div>
  );
}

/** The most the chart shows; until it has that much, what it has fills the width. */
const WINDOW_MS = 5 * 60_000;

export const CountsChart = memo(function CountsChart({ history, width = 220, height = 40 }: { history: readonly CountSample[]; width?: number; height?: number }) {
  const colours = BAND_COLOURS[useDarkScheme() ? 'dark' : 'light'];
  const last = history[history.length - 1]?.t ?? 0;
  const from = Math.max(history[0]?.t ?? 0, last - WINDOW_MS);
  if (history.length < 2) {
    return (
      <div className="counts-chart empty" role="img" aria-label="Socket counts over time: collecting">
        collecting counts…
      </div>
    );
  }
  return (
    <div className="counts-chart" role="img" aria-label="Socket counts over the last five minutes, by state">
      <AreaChart width={width} height={height} data={history as CountSample[]} margin={{ top: 2, right: 0, bottom: 0, left: 0 }} accessibilityLayer={false}>
        <XAxis dataKey="t" type="number" domain={[from, last]} allowDataOverflow hide />
        <YAxis hide domain={[0, 'dataMax']} />
        <Tooltip content={<ChartTip />} isAnimationActive={false} cursor={{ stroke: 'currentColor', strokeOpacity: 0.3 }} wrapperStyle={{ zIndex: 20 }} />
        {STACK.map((b) => (
          <Area
            key={b}
            dataKey={b}
            stackId="counts"
            type="monotone"
            stroke={colours[b]}
            strokeWidth={1}
            fill={colours[b]}
            fillOpacity={0.35}
            isAnimationActive={false}
            dot={false}
            activeDot={false}
          />
        ))}
      </AreaChart>
    </div>
  );
});
