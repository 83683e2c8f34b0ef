// The trading tables (positions, trades, signals), each one DataTable column set, shared by the
// Trading dock tab and the trade side panel.
import { DataTable, columnsFor } from '../app/DataTable';
import { formatMarketTime, formatMoney, formatPercent, formatPrice, formatSigned, trendClass } from '../app/format';
import { DirectionBadge } from '../predictions/badges';
import type { RouterOutputs } from '../trpc';

export type Position = RouterOutputs['trading']['portfolio']['positions'][number];
export type Trade = RouterOutputs['trading']['history']['trades'][number];
export type Signal = RouterOutputs['trading']['signals']['signals'][number];

/** Amounts arrive as exact decimal strings; a number is only made for display. */
export const toDisplay = (v: string | null): number | null => (v === null ? null : Number(v));

const money = (v: string | null) => <span className={trendClass(toDisplay(v))}>{formatSigned(toDisplay(v), (x) => formatMoney(x))}</span>;
/** The API's percentages are in percent (2.5 = 2.5 %). */
const percent = (v: number | null) => <span className={trendClass(v)}>{formatSigned(v === null ? null : v / 100, (x) => formatPercent(x, 2))}</span>;

const pos = columnsFor<Position>();
const positionColumns = pos.columns([
  pos.accessor('ticker', { header: 'Ticker', meta: { width: 80 } }),
  pos.accessor('quantity', { header: 'Quantity', meta: { numeric: true } }),
  pos.accessor('avgEntryPrice', { header: 'Avg entry', cell: (c) => formatPrice(toDisplay(c.getValue())), meta: { numeric: true } }),
  pos.accessor('currentPrice', { header: 'Last', cell: (c) => formatPrice(toDisplay(c.getValue())), meta: { numeric: true } }),
  pos.accessor('marketValue', { header: 'Market value', cell: (c) => formatMoney(toDisplay(c.getValue())), meta: { numeric: true } }),
  pos.accessor('costBasis', { header: 'Cost basis', cell: (c) => formatMoney(toDisplay(c.getValue())), meta: { numeric: true } }),
  pos.accessor('unrealizedPnL', { header: 'Unrealised P&L', cell: (c) => money(c.getValue()), meta: { numeric: true } }),
  pos.accessor('unrealizedPnLPct', { header: 'Unrealised %', cell: (c) => percent(c.getValue()), meta: { numeric: true } }),
  pos.accessor('realizedPnL', { header: 'Realised P&L', cell: (c) => money(c.getValue()), meta: { numeric: true } }),
]);

export function PositionsTable({ positions }: { positions: Position[] }) {
  return (
    <DataTable label="Positions" columns={positionColumns} data={positions} rowId={(p) => p.ticker} empty="No open positions. Place a paper order to start." />
  );
}

const trade = columnsFor<Trade>();
const tradeColumns = trade.columns([
  trade.accessor('orderTime', { header: 'Order time (ET)', cell: (c) => formatMarketTime(c.getValue()), sortFn: 'text', meta: { width: 140 } }),
  trade.accessor('ticker', { header: 'Ticker', meta: { width: 70 } }),
  trade.accessor('side', {
    header: 'Side',
    cell: (c) => <span className={`badge ${c.getValue() === 'BUY' ? 'up' : 'down'}`}>{c.getValue()}</span>,
    meta: { width: 60 },
  }),
  trade.accessor('quantity', { header: 'Qty', meta: { numeric: true, width: 70 } }),
  trade.accessor('type', { header: 'Type', meta: { width: 70 } }),
  trade.accessor('price', { header: 'Fill', cell: (c) => formatPrice(toDisplay(c.getValue())), meta: { numeric: true, width: 80 } }),
  trade.accessor('totalValue', { header: 'Value', cell: (c) => formatMoney(toDisplay(c.getValue())), meta: { numeric: true, width: 100 } }),
  trade.accessor('status', {
    header: 'Status',
    cell: (c) => (
      <span className={`badge ${c.getValue() === 'FILLED' ? 'up' : c.getValue() === 'REJECTED' || c.getValue() === 'EXPIRED' ? 'down' : ''}`}>
        {c.getValue()}
      </span>
    ),
    meta: { width: 90 },
  }),
  trade.accessor('profitLoss', { header: 'P&L', cell: (c) => money(c.getValue()), meta: { numeric: true, width: 100 } }),
  trade.accessor('profitLossPct', { header: 'P&L %', cell: (c) => percent(c.getValue()), meta: { numeric: true, width: 80 } }),
  trade.accessor('strategy', { header: 'Strategy', cell: (c) => c.getValue() ?? '—', meta: { width: 90 } }),
  trade.accessor('clientOrderId', { header: 'Client id', cell: (c) => <span className="muted">{c.getValue()?.slice(0, 8) ?? '—'}</span> }),
]);

export function TradesTable({ trades, onEndReached, loadingMore }: { trades: Trade[]; onEndReached?: () => void; loadingMore?: boolean }) {
  return (
    <DataTable
      label="Trade history"
      columns={tradeColumns}
      data={trades}
      rowId={(t) => t.id}
      onEndReached={onEndReached}
      empty="No trades yet."
      footer={loadingMore ? 'Loading more…' : undefined}
    />
  );
}

const sig = columnsFor<Signal>();
const signalColumns = sig.columns([
  sig.accessor('ticker', { header: 'Ticker', meta: { width: 70 } }),
  sig.accessor('timeframe', { header: 'TF', meta: { width: 50 } }),
  sig.accessor('action', {
    header: 'Action',
    cell: (c) => <span className={`badge ${c.getValue() === 'BUY' ? 'up' : c.getValue() === 'SELL' ? 'down' : ''}`}>{c.getValue()}</span>,
    meta: { width: 70 },
  }),
  sig.accessor('direction', { header: 'Call', cell: (c) => <DirectionBadge direction={c.getValue()} />, meta: { width: 80 } }),
  sig.accessor('confidence', { header: 'Confidence', cell: (c) => formatPercent(c.getValue()), meta: { numeric: true, width: 90 } }),
  sig.accessor('predictedChange', {
    header: 'Exp. move',
    cell: (c) => formatSigned(c.getValue(), (v) => formatPercent(v, 2)),
    meta: { numeric: true, width: 80 },
  }),
  sig.accessor((s) => `${s.model.name} ${s.model.version}`, { id: 'model', header: 'Model' }),
  sig.accessor('targetTime', { header: 'Until (ET)', cell: (c) => formatMarketTime(c.getValue()), meta: { width: 140 } }),
  sig.accessor('reason', { header: 'Reason', cell: (c) => <span className="muted">{c.getValue()}</span> }),
]);

export function SignalsTable({ signals }: { signals: Signal[] }) {
  return (
    <DataTable
      label="Signals"
      columns={signalColumns}
      data={signals}
      rowId={(s) => `${s.ticker}-${s.timeframe}-${s.predictionId}`}
      empty="No signals: no active model has an open prediction."
    />
  );
}
