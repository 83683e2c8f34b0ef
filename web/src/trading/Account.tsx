// The paper account: cash, buying power, equity and P&L cards, and the equity curve (a point after
// every fill). Amounts arrive as decimal strings; numbers are made for display only.
import { useQuery } from '@tanstack/react-query';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatMarketTime, formatMoney, formatSigned, trendClass } from '../app/format';
import { useLivePolling } from '../app/live';
import { QueryView } from '../app/states';
import { useThemeColors } from '../app/theme-colors';
import { useTRPC } from '../trpc';

const LIVE_MS = 15_000;
const CURVE_POINTS = 500;
const COLORS = ['series-1', 'muted', 'grid', 'border', 'text', 'panel-raised'] as const;

export function AccountPanel() {
  const trpc = useTRPC();
  const every = useLivePolling(['orders'], trpc.trading.account.pathKey(), LIVE_MS, LIVE_MS); // prices move without events
  const query = useQuery(trpc.trading.account.queryOptions(undefined, { refetchInterval: every }));
  return (
    <QueryView query={query} label="Loading account">
      {({ account }) => (
        <div className="cards" role="group" aria-label="Account">
          {(
            [
              ['Cash', account.cash, false],
              ['Buying power', account.buyingPower, false],
              ['Equity', account.equity, false],
              ['Day P&L', account.dayPnL, true],
              ['Total P&L', account.totalPnL, true],
            ] as const
          ).map(([name, text, signed]) => {
            const value = Number(text);
            return (
              <div className="card" key={name}>
                <div className="card-label">{name}</div>
                <div className={`card-value num ${signed ? trendClass(value) : ''}`} aria-label={name} title={text}>
                  {signed ? formatSigned(value, (v) => formatMoney(v)) : formatMoney(value)}
                </div>
              </div>
            );
          })}
        </div>
      )}
    </QueryView>
  );
}

export function EquityCurve() {
  const trpc = useTRPC();
  const colors = useThemeColors(COLORS);
  const every = useLivePolling(['orders'], trpc.trading.equityHistory.pathKey(), LIVE_MS); // a point per fill
  const query = useQuery(trpc.trading.equityHistory.queryOptions({ limit: CURVE_POINTS }, { refetchInterval: every }));
  const axis = { stroke: colors.muted, tick: { fill: colors.muted, fontSize: 11 }, tickLine: false };
  return (
    <figure className="equity-curve" aria-label="Equity curve">
      <figcaption>Equity after each fill</figcaption>
      <QueryView query={query} label="Loading equity" empty={(h) => h.points.length === 0 && 'No fills yet: the curve starts with the first one.'}>
        {({ points }) => (
          <ResponsiveContainer width="100%" height="100%">
            <LineChart
              data={points.map((p) => ({ label: formatMarketTime(p.time), equity: Number(p.equity) }))}
              margin={{ top: 8, right: 8, bottom: 0, left: 8 }}
            >
              <CartesianGrid stroke={colors.grid} vertical={false} />
              <XAxis dataKey="label" {...axis} minTickGap={32} />
              <YAxis domain={['auto', 'auto']} tickFormatter={(v: number) => formatMoney(v)} width={84} {...axis} />
              <Tooltip
                contentStyle={{ background: colors['panel-raised'], border: `1px solid ${colors.border}`, fontSize: 12 }}
                labelStyle={{ color: colors.text }}
                formatter={(v) => formatMoney(Number(v))}
              />
              <Line dataKey="equity" name="Equity" stroke={colors['series-1']} dot={false} strokeWidth={1.6} isAnimationActive={false} />
            </LineChart>
          </ResponsiveContainer>
        )}
      </QueryView>
    </figure>
  );
}
