// Send and receive rates over the last minutes, for the machine, an interface or one process: a time
// axis, rate units on the value axis, sent above and received below the line (as GlassWire draws
// them), and a tooltip with both numbers. The Processes view draws it large, the header compact.
import { memo } from 'react';
import { Area, AreaChart, CartesianGrid, ReferenceLine, Tooltip, XAxis, YAxis } from 'recharts';
import { formatRate } from '../../../shared/units.js';
import { useDarkScheme } from '../hooks.js';
import type { RateSample } from '../traffic-store.js';

/** Kept in step with --rate-up and --rate-down in styles/base.css (SVG cannot read them everywhere). */
export const RATE_COLOURS = {
  light: { up: '#c2255c', down: '#1971c2' },
  dark: { up: '#f06595', down: '#4dabf7' },
} as const;

export interface Point {
  t: number;
  /** Sent, drawn above zero. */
  up: number;
  /** Received, drawn below zero. */
  down: number;
}

/** The smallest 1, 2 or 5 × 10ⁿ bytes per second at or above a rate: axis ticks that read "500 kB/s". */
export function niceRate(rate: number): number {
  if (!(rate > 1)) return 1;
  const scale = 10 ** Math.floor(Math.log10(rate));
  for (const step of [1, 2, 5, 10]) if (step * scale >= rate) return step * scale;
  return 10 * scale;
}

/** What the chart draws: sent up, received down, and a symmetric scale from the larger of the two. */
export function chartData(samples: readonly RateSample[]): { points: Point[]; peak: number } {
  const points = samples.map((s) => ({ t: s.t, up: s.sendRate, down: -s.receiveRate }));
  let top = 0;
  for (const p of points) top = Math.max(top, p.up, -p.down);
  return { points, peak: niceRate(top) };
}

function clock(t: number): string {
  const d = new Date(t);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

interface TipProps {
  active?: boolean;
  payload?: readonly { payload?: Point }[];
}

function RateTip({ active, payload }: TipProps) {
  const p = payload?.[0]?.payload;
  if (!active || !p) return null;
  return (
    <div className="chart-tip">
      <div className="chart-tip-time">{clock(p.t)}</div>
      <div className="chart-tip-row">
        <span className="rate-up">↑ sent</span> <strong>{formatRate(p.up)}</strong>
      </div>
      <div className="chart-tip-row">
        <span className="rate-down">↓ received</span> <strong>{formatRate(-p.down)}</strong>
      </div>
    </div>
  );
}

export interface TrafficChartProps {
  /** null: the OS gives no counters for it (`unavailable` says why); never drawn as zeros. */
  samples: readonly RateSample[] | null;
  /** What is drawn, for the label: "this machine (network)", "firefox (pid 2211)". */
  label: string;
  width: number;
  height?: number;
  /** The header's size: smaller ticks, the peak and zero only on the value axis. */
  compact?: boolean;
  unavailable?: string | null;
}

export const TrafficChart = memo(function TrafficChart({ samples, label, width, height = 120, compact = false, unavailable = null }: TrafficChartProps) {
  const colours = RATE_COLOURS[useDarkScheme() ? 'dark' : 'light'];
  if (samples === null) {
    const why = unavailable ?? 'Not available';
    return (
      <div className={`traffic-chart${compact ? ' compact' : ''} empty unavailable`} role="img" aria-label={`Traffic of ${label}: ${why}`} title={why} style={{ width, height }}>
        {why}
      </div>
    );
  }
  if (samples.length < 2) {
    return (
      <div className={`traffic-chart${compact ? ' compact' : ''} empty`} role="img" aria-label={`Traffic of ${label}: collecting`} style={{ width, height }}>
        collecting rates…
      </div>
    );
  }
  const { points, peak } = chartData(samples);
  const first = points[0]!.t;
  const last = points[points.length - 1]!.t;
  const tick = { fontSize: compact ? 9.5 : 10 };
  return (
    <div
      className={`traffic-chart${compact ? ' compact' : ''}`}
      role="img"
      aria-label={`Traffic of ${label} over the last ${Math.max(1, Math.round((last - first) / 60_000))} minutes: sent above, received below`}
    >
      <AreaChart width={width} height={height} data={points} margin={compact ? { top: 6, right: 6, bottom: 0, left: 0 } : { top: 4, right: 8, bottom: 0, left: 4 }} accessibilityLayer={false}>
        <CartesianGrid strokeOpacity={0.15} vertical={false} />
        <XAxis
          dataKey="t"
          type="number"
          domain={[first, last]}
          tickFormatter={clock}
          tick={tick}
          height={compact ? 15 : 30}
          tickSize={compact ? 3 : 6}
          minTickGap={compact ? 28 : 40}
          stroke="currentColor"
          strokeOpacity={0.4}
        />
        <YAxis
          domain={[-peak, peak]}
          tickFormatter={(v: number) => formatRate(Math.abs(v))}
          tick={tick}
          width={compact ? 56 : 64}
          tickSize={compact ? 3 : 6}
          ticks={compact ? [-peak, 0, peak] : [-peak, -peak / 2, 0, peak / 2, peak]}
          interval={0}
          stroke="currentColor"
          strokeOpacity={0.4}
        />
        <ReferenceLine y={0} stroke="currentColor" strokeOpacity={0.5} />
        <Tooltip content={<RateTip />} isAnimationActive={false} cursor={{ stroke: 'currentColor', strokeOpacity: 0.3 }} wrapperStyle={{ zIndex: 20 }} />
        <Area dataKey="up" type="monotone" stroke={colours.up} fill={colours.up} fillOpacity={0.3} strokeWidth={1.2} isAnimationActive={false} dot={false} activeDot={false} />
        <Area dataKey="down" type="monotone" stroke={colours.down} fill={colours.down} fillOpacity={0.3} strokeWidth={1.2} isAnimationActive={false} dot={false} activeDot={false} />
      </AreaChart>
    </div>
  );
});

/** A row's sparkline: plain SVG (dozens of rows, redrawn each poll), sent and received as two lines. */
export const Sparkline = memo(function Sparkline({ samples, width = 90, height = 18 }: { samples: readonly RateSample[]; width?: number; height?: number }) {
  if (samples.length < 2) return <svg className="sparkline" width={width} height={height} aria-hidden="true" />;
  let peak = 1;
  for (const s of samples) peak = Math.max(peak, s.sendRate, s.receiveRate);
  const step = width / (samples.length - 1);
  const line = (pick: (s: RateSample) => number) => samples.map((s, i) => `${(i * step).toFixed(1)},${(height - 1 - (pick(s) / peak) * (height - 2)).toFixed(1)}`).join(' ');
  return (
    <svg className="sparkline" width={width} height={height} viewBox={`0 0 ${width} ${height}`} aria-hidden="true">
      <polyline className="spark-down" points={line((s) => s.receiveRate)} fill="none" />
      <polyline className="spark-up" points={line((s) => s.sendRate)} fill="none" />
    </svg>
  );
});
