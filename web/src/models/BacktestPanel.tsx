// A model version's backtest: the form (costs, minimum confidence, short or flat on DOWN), and the
// latest stored run — its equity curve against buy-and-hold over the same span, and its statistics.
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatInteger, formatMarketTime, formatPercent } from '../app/format';
import { QueryView, describeError } from '../app/states';
import { useThemeColors } from '../app/theme-colors';
import { useSession } from '../auth/session';
import { useTRPC, type RouterOutputs } from '../trpc';

type Run = RouterOutputs['models']['backtests']['runs'][number];

const COLORS = ['series-1', 'series-5', 'muted', 'grid', 'border', 'text', 'panel-raised'] as const;
const ratio = (value: number | null) => (value === null ? '—' : value.toFixed(2));

export function BacktestPanel({ modelId }: { modelId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { can } = useSession();
  const [form, setForm] = useState({ feeBps: '1', slippageBps: '2', minConfidence: '0.6', shortOnDown: false });
  const runs = useQuery(trpc.models.backtests.queryOptions({ id: modelId, limit: 1 }));
  const run = useMutation(
    trpc.models.backtest.mutationOptions({
      onSuccess: () =>
        Promise.all([queryClient.invalidateQueries({ queryKey: trpc.models.backtests.pathKey() }), queryClient.invalidateQueries({ queryKey: trpc.models.get.pathKey() })]),
    }),
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    run.mutate({ id: modelId, feeBps: Number(form.feeBps), slippageBps: Number(form.slippageBps), minConfidence: Number(form.minConfidence), shortOnDown: form.shortOnDown });
  };
  const number = (key: 'feeBps' | 'slippageBps' | 'minConfidence', label: string, max: number) => (
    <label>
      {label}
      <input className="input num" type="number" min="0" max={max} step="any" value={form[key]} onChange={(e) => setForm({ ...form, [key]: e.target.value })} required />
    </label>
  );

  return (
    <section aria-label="Backtest">
      <h3 className="section-title">Backtest</h3>
      {can('models:write') && (
        <form className="backtest-form" onSubmit={submit}>
          {number('feeBps', 'Fee (bps)', 1000)}
          {number('slippageBps', 'Slippage (bps)', 1000)}
          {number('minConfidence', 'Min confidence', 1)}
          <label className="backtest-check">
            <input type="checkbox" checked={form.shortOnDown} onChange={(e) => setForm({ ...form, shortOnDown: e.target.checked })} />
            Short on DOWN
          </label>
          <button type="submit" className="btn small" disabled={run.isPending}>
            Run backtest
          </button>
          {run.error && <p className="error-text">{describeError(run.error)}</p>}
        </form>
      )}
      <QueryView query={runs} label="Loading backtests">
        {({ runs: [latest] }) => (latest ? <RunView run={latest} /> : <p className="muted model-detail-note">No backtest yet.</p>)}
      </QueryView>
    </section>
  );
}

function RunView({ run }: { run: Run }) {
  const colors = useThemeColors(COLORS);
  const s = run.statistics;
  const p = run.parameters;
  const axis = { stroke: colors.muted, tick: { fill: colors.muted, fontSize: 10 }, tickLine: false };
  const curve = run.equityCurve.map((point) => ({ ...point, label: formatMarketTime(point.at, true) }));
  return (
    <>
      <p className="muted model-detail-note">
        {formatMarketTime(run.createdAt)} · {p.ticker} {p.timeframe} · fee {p.feeBps} bps, slippage {p.slippageBps} bps, min conf. {p.minConfidence},{' '}
        {p.shortOnDown ? 'short' : 'flat'} on DOWN
      </p>
      {curve.length > 0 && (
        <figure className="backtest-chart" aria-label="Equity curve against buy-and-hold">
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={curve} margin={{ top: 6, right: 6, bottom: 0, left: -18 }}>
              <CartesianGrid stroke={colors.grid} vertical={false} />
              <XAxis dataKey="label" {...axis} minTickGap={24} />
              <YAxis domain={['auto', 'auto']} tickFormatter={(v: number) => v.toFixed(2)} {...axis} />
              <Tooltip contentStyle={{ background: colors['panel-raised'], border: `1px solid ${colors.border}`, fontSize: 12 }} labelStyle={{ color: colors.text }} formatter={(v) => Number(v).toFixed(4)} />
              <Legend wrapperStyle={{ fontSize: 11, color: colors.muted }} />
              <Line dataKey="equity" name="Strategy" stroke={colors['series-1']} dot={false} strokeWidth={1.6} isAnimationActive={false} />
              <Line dataKey="buyAndHold" name="Buy & hold" stroke={colors['series-5']} dot={false} strokeWidth={1.2} strokeDasharray="4 3" isAnimationActive={false} />
            </LineChart>
          </ResponsiveContainer>
        </figure>
      )}
      <dl className="kv" aria-label="Backtest statistics">
        <dt>Total return</dt>
        <dd className="num">{formatPercent(s.totalReturn, 2)}</dd>
        <dt>Buy & hold</dt>
        <dd className="num">{formatPercent(s.buyAndHoldReturn, 2)}</dd>
        <dt>CAGR</dt>
        <dd className="num">{s.cagr !== null && Math.abs(s.cagr) > 100 ? '> 10,000 %' : formatPercent(s.cagr, 2)}</dd>
        <dt>Sharpe / Sortino</dt>
        <dd className="num">
          {ratio(s.sharpe)} / {ratio(s.sortino)}
        </dd>
        <dt>Max drawdown</dt>
        <dd className="num">
          {formatPercent(s.maxDrawdown, 2)} <span className="muted">over {s.maxDrawdownDurationDays.toFixed(1)} d</span>
        </dd>
        <dt>Trades / win rate</dt>
        <dd className="num">
          {formatInteger(s.trades)} / {formatPercent(s.winRate)}
        </dd>
        <dt>Exposure</dt>
        <dd className="num">{formatPercent(s.exposure)}</dd>
        <dt>Profit factor</dt>
        <dd className="num">{ratio(s.profitFactor)}</dd>
      </dl>
    </>
  );
}
