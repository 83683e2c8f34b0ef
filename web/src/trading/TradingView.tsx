// Trading: the account with its equity curve and the portfolio, the order blotter, trade history
// (paged while scrolling) and current signals. Polled, so fills from bots and new signals appear
// without a reload.
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { ROW_LIMITS, withinLimit } from '../../../server/shared/limits';
import { formatMoney, formatSigned, trendClass } from '../app/format';
import { useLivePolling } from '../app/live';
import { oneOf, usePersistentState } from '../app/persisted';
import { ErrorState, Loading, QueryView } from '../app/states';
import { useTRPC } from '../trpc';
import { AccountPanel, EquityCurve } from './Account';
import { OrdersView } from './Orders';
import { PositionsTable, SignalsTable, TradesTable } from './tables';
import './trading.css';

const LIVE_MS = 15_000;
const CLOCK_MS = 60_000;
const HISTORY_PAGE = withinLimit(200, ROW_LIMITS.keysetPage.max);
const SUBVIEWS = ['portfolio', 'orders', 'history', 'signals'] as const;
type Subview = (typeof SUBVIEWS)[number];
const LABELS: Record<Subview, string> = { portfolio: 'Portfolio', orders: 'Orders', history: 'History', signals: 'Signals' };

export default function TradingView() {
  const [subview, setSubview] = usePersistentState<Subview>('qb.trading.view', 'portfolio', oneOf(SUBVIEWS));
  return (
    <div className="view">
      <div className="toolbar">
        <div className="segmented" role="radiogroup" aria-label="Trading view">
          {SUBVIEWS.map((v) => (
            <button key={v} type="button" role="radio" aria-checked={subview === v} onClick={() => setSubview(v)}>
              {LABELS[v]}
            </button>
          ))}
        </div>
      </div>
      {subview === 'portfolio' ? <Portfolio /> : subview === 'orders' ? <OrdersView /> : subview === 'history' ? <History /> : <Signals />}
    </div>
  );
}

function Portfolio() {
  const trpc = useTRPC();
  // Fills come as order events; prices move without one, so polling goes on.
  const every = useLivePolling(['orders'], trpc.trading.portfolio.pathKey(), LIVE_MS, LIVE_MS);
  const query = useQuery(trpc.trading.portfolio.queryOptions(undefined, { refetchInterval: every }));
  return (
    <div className="portfolio">
      <AccountPanel />
      <EquityCurve />
      <QueryView query={query} label="Loading portfolio">
        {({ positions, totals }) => (
          <>
            <div className="cards" role="group" aria-label="Portfolio totals">
              {(
                [
                  ['Market value', totals.marketValue, false],
                  ['Cost basis', totals.costBasis, false],
                  ['Unrealised P&L', totals.unrealizedPnL, true],
                  ['Realised P&L', totals.realizedPnL, true],
                ] as const
              ).map(([name, value, signed]) => (
                <div className="card" key={name}>
                  <div className="card-label">{name}</div>
                  <div className={`card-value num ${signed ? trendClass(Number(value)) : ''}`} aria-label={name}>
                    {signed ? formatSigned(Number(value), (v) => formatMoney(v)) : formatMoney(Number(value))}
                  </div>
                </div>
              ))}
            </div>
            <PositionsTable positions={positions} />
          </>
        )}
      </QueryView>
    </div>
  );
}

function History() {
  const trpc = useTRPC();
  const every = useLivePolling(['orders'], trpc.trading.history.pathKey(), LIVE_MS);
  const query = useInfiniteQuery(
    trpc.trading.history.infiniteQueryOptions(
      { limit: HISTORY_PAGE },
      { getNextPageParam: (page) => page.nextCursor ?? undefined, refetchInterval: (q) => ((q.state.data?.pages.length ?? 0) <= 1 ? every : false) },
    ),
  );
  if (query.isPending) return <Loading label="Loading trades" />;
  if (query.isError) return <ErrorState error={query.error} retry={() => void query.refetch()} />;
  return (
    <TradesTable
      trades={query.data.pages.flatMap((p) => p.trades)}
      loadingMore={query.isFetchingNextPage}
      onEndReached={() => {
        if (query.hasNextPage && !query.isFetchingNextPage) void query.fetchNextPage();
      }}
    />
  );
}

function Signals() {
  const trpc = useTRPC();
  // A signal also ends when its target time passes: a slow poll covers the clock.
  const every = useLivePolling(['predictions', 'models'], trpc.trading.signals.pathKey(), LIVE_MS, CLOCK_MS);
  const query = useQuery(trpc.trading.signals.queryOptions({}, { refetchInterval: every }));
  return (
    <QueryView query={query} label="Loading signals">
      {(data) => <SignalsTable signals={data.signals} />}
    </QueryView>
  );
}
