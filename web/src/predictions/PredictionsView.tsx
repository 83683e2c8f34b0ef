// Predictions, newest first: server-side filters (series, outcome), client-side sort and
// direction filter, virtual rows, more pages fetched while scrolling. The newest page refreshes
// every 30 s so fresh predictions and resolutions appear on their own.
import { useMemo, useState } from 'react';
import { useInfiniteQuery } from '@tanstack/react-query';
import { ROW_LIMITS, withinLimit } from '../../../server/shared/limits';
import { DataTable, columnsFor } from '../app/DataTable';
import { formatMarketTime, formatPercent, formatPrice, formatSigned } from '../app/format';
import { useSeriesScope } from '../app/SeriesScope';
import { ErrorState, Loading } from '../app/states';
import { useModelNames } from '../models/useModelNames';
import { useTRPC, type RouterInputs, type RouterOutputs } from '../trpc';
import { DirectionBadge, OutcomeBadge } from './badges';

type Prediction = RouterOutputs['predictions']['list']['predictions'][number];
type Status = NonNullable<RouterInputs['predictions']['list']['status']>;

const PAGE_SIZE = withinLimit(500, ROW_LIMITS.keysetPage.max);
const LIVE_MS = 30_000;
const STATUSES: { value: Status | ''; label: string }[] = [
  { value: '', label: 'Any outcome' },
  { value: 'pending', label: 'Pending' },
  { value: 'correct', label: 'Right' },
  { value: 'wrong', label: 'Wrong' },
  { value: 'unresolvable', label: 'Unresolvable' },
];

const col = columnsFor<Prediction>();

export default function PredictionsView() {
  const trpc = useTRPC();
  const { filter, toggle } = useSeriesScope('predictions');
  const [status, setStatus] = useState<Status | ''>('');
  const [direction, setDirection] = useState('');
  const modelNames = useModelNames();

  const input = { ...filter, status: status || undefined, limit: PAGE_SIZE };
  const query = useInfiniteQuery(
    trpc.predictions.list.infiniteQueryOptions(input, {
      getNextPageParam: (page) => page.nextCursor ?? undefined,
      // Refreshing means refetching every loaded page: only while the list is short.
      refetchInterval: (q) => ((q.state.data?.pages.length ?? 0) <= 2 ? LIVE_MS : false),
    }),
  );
  const rows = useMemo(() => query.data?.pages.flatMap((p) => p.predictions) ?? [], [query.data]);

  const columns = useMemo(
    () =>
      col.columns([
        col.accessor('predictionTime', { header: 'Predicted at (ET)', cell: (c) => formatMarketTime(c.getValue()), sortFn: 'text', meta: { width: 140 } }),
        col.accessor('ticker', { header: 'Ticker', meta: { width: 70 } }),
        col.accessor('timeframe', { header: 'TF', meta: { width: 50 } }),
        col.accessor((p) => modelNames.get(p.modelId) ?? p.modelId.slice(0, 8), { id: 'model', header: 'Model' }),
        col.accessor('direction', {
          id: 'direction',
          header: 'Call',
          cell: (c) => <DirectionBadge direction={c.getValue()} />,
          filterFn: 'equalsString',
          meta: { width: 70 },
        }),
        col.accessor('confidence', { header: 'Confidence', cell: (c) => formatPercent(c.getValue()), meta: { numeric: true, width: 90 } }),
        col.accessor('basePrice', { header: 'Base', cell: (c) => formatPrice(c.getValue()), meta: { numeric: true, width: 80 } }),
        col.accessor('targetTime', { header: 'Target (ET)', cell: (c) => formatMarketTime(c.getValue()), sortFn: 'text', meta: { width: 140 } }),
        col.accessor('actualChange', {
          header: 'Actual',
          cell: (c) => formatSigned(c.getValue(), (v) => formatPercent(v, 2)),
          meta: { numeric: true, width: 80 },
        }),
        col.accessor((p) => (p.resolutionStatus === 'UNRESOLVABLE' ? 'unresolvable' : p.correct === null ? 'pending' : p.correct ? 'right' : 'wrong'), {
          id: 'outcome',
          header: 'Outcome',
          cell: (c) => <OutcomeBadge outcome={c.getValue()} />,
          meta: { width: 80 },
        }),
      ]),
    [modelNames],
  );

  return (
    <div className="view">
      <div className="toolbar">
        {toggle}
        <label className="field">
          Outcome
          <select className="select" value={status} onChange={(e) => setStatus(e.target.value as Status | '')}>
            {STATUSES.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          Call
          <select className="select" value={direction} onChange={(e) => setDirection(e.target.value)}>
            <option value="">Any</option>
            <option value="UP">Up</option>
            <option value="DOWN">Down</option>
            <option value="NEUTRAL">Neutral</option>
          </select>
        </label>
        <div className="toolbar-spacer" />
        <span className="muted" role="status">
          {query.isFetching && !query.isFetchingNextPage ? 'Refreshing…' : `${rows.length}${query.hasNextPage ? '+' : ''} predictions`}
        </span>
      </div>
      {query.isPending ? (
        <Loading label="Loading predictions" />
      ) : query.isError ? (
        <ErrorState error={query.error} retry={() => void query.refetch()} />
      ) : (
        <DataTable
          label="Predictions"
          columns={columns}
          data={rows}
          rowId={(p) => p.id}
          filters={direction ? [{ id: 'direction', value: direction }] : []}
          onEndReached={() => {
            if (query.hasNextPage && !query.isFetchingNextPage) void query.fetchNextPage();
          }}
          empty="No predictions match these filters."
          footer={query.isFetchingNextPage ? 'Loading more…' : undefined}
        />
      )}
    </div>
  );
}
