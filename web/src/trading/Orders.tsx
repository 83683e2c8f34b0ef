// The order blotter: open orders with a cancel button each and "cancel all", then the closed ones.
// Refreshed by order events (polled while the live stream is down), so fills by the matching job
// appear without a reload.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { DataTable, columnsFor } from '../app/DataTable';
import { useLivePolling } from '../app/live';
import { formatMarketTime, formatPrice } from '../app/format';
import { InlineError, QueryView, describeError } from '../app/states';
import { Can } from '../auth/session';
import { useTRPC, type RouterOutputs } from '../trpc';
import { toDisplay } from './tables';

type Order = RouterOutputs['trading']['orders']['orders'][number];

const LIVE_MS = 5_000;

const price = (v: string | null) => (v === null ? '—' : formatPrice(toDisplay(v)));

function useCancel() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.trading.pathKey() });
  return {
    one: useMutation(trpc.trading.cancelOrder.mutationOptions({ onSettled: refresh })),
    all: useMutation(trpc.trading.cancelAllOrders.mutationOptions({ onSettled: refresh })),
  };
}

const col = columnsFor<Order>();
const baseColumns = [
  col.accessor('orderTime', { header: 'Placed (ET)', cell: (c) => formatMarketTime(c.getValue()), sortFn: 'text', meta: { width: 140 } }),
  col.accessor('ticker', { header: 'Ticker', meta: { width: 70 } }),
  col.accessor('side', {
    header: 'Side',
    cell: (c) => <span className={`badge ${c.getValue() === 'BUY' ? 'up' : 'down'}`}>{c.getValue()}</span>,
    meta: { width: 60 },
  }),
  col.accessor('quantity', { header: 'Qty', meta: { numeric: true, width: 70 } }),
  col.accessor('type', { header: 'Type', meta: { width: 90 } }),
  col.accessor('timeInForce', { header: 'TIF', meta: { width: 50 } }),
  col.accessor('limitPrice', { header: 'Limit', cell: (c) => price(c.getValue()), meta: { numeric: true, width: 80 } }),
  col.accessor('stopPrice', { header: 'Stop', cell: (c) => price(c.getValue()), meta: { numeric: true, width: 80 } }),
];

export function OrdersView() {
  const trpc = useTRPC();
  const cancel = useCancel();
  const every = useLivePolling(['orders'], trpc.trading.orders.pathKey(), LIVE_MS);
  const open = useQuery(trpc.trading.orders.queryOptions({ status: 'open' }, { refetchInterval: every }));
  const closed = useQuery(trpc.trading.orders.queryOptions({ status: 'closed', limit: 100 }, { refetchInterval: every }));
  const openColumns = col.columns([
    ...baseColumns,
    col.accessor('expiresAt', {
      header: 'Expires (ET)',
      cell: (c) => (c.getValue() ? formatMarketTime(c.getValue()!) : 'GTC'),
      sortFn: 'text',
      meta: { width: 140 },
    }),
    col.display({
      id: 'cancel',
      header: '',
      cell: (c) => (
        <Can scope="trading:execute">
          <button
            type="button"
            className="btn ghost"
            aria-label={`Cancel ${c.row.original.side} ${c.row.original.quantity} ${c.row.original.ticker}`}
            disabled={cancel.one.isPending}
            onClick={() => cancel.one.mutate({ id: c.row.original.id })}
          >
            Cancel
          </button>
        </Can>
      ),
      meta: { width: 80 },
    }),
  ]);
  const closedColumns = col.columns([
    ...baseColumns,
    col.accessor('status', {
      header: 'Status',
      cell: (c) => <span className={`badge ${c.getValue() === 'FILLED' ? 'up' : 'down'}`}>{c.getValue()}</span>,
      meta: { width: 90 },
    }),
    col.accessor('price', { header: 'Fill', cell: (c) => price(c.getValue()), meta: { numeric: true, width: 80 } }),
    col.accessor('fees', { header: 'Fees', cell: (c) => price(c.getValue()), meta: { numeric: true, width: 70 } }),
    col.accessor('statusReason', { header: 'Reason', cell: (c) => <span className="muted">{c.getValue() ?? '—'}</span> }),
  ]);
  const error = cancel.one.error ?? cancel.all.error;
  return (
    <div className="blotter">
      <div className="blotter-bar">
        <h3 className="section-title">Open orders</h3>
        {error && <InlineError>{describeError(error)}</InlineError>}
        <Can scope="trading:execute">
          <button type="button" className="btn danger" disabled={cancel.all.isPending || !open.data?.count} onClick={() => cancel.all.mutate()}>
            Cancel all
          </button>
        </Can>
      </div>
      <QueryView query={open} label="Loading open orders">
        {({ orders }) => <DataTable label="Open orders" columns={openColumns} data={orders} rowId={(o) => o.id} empty="No open orders." />}
      </QueryView>
      <h3 className="section-title">Closed orders</h3>
      <QueryView query={closed} label="Loading closed orders">
        {({ orders }) => <DataTable label="Closed orders" columns={closedColumns} data={orders} rowId={(o) => o.id} empty="No closed orders yet." />}
      </QueryView>
    </div>
  );
}
