// The watchlist: every stored ticker with its last price, change on the previous session's close
// and a 30-session sparkline. Polled every 15 s (two small batched queries per ticker).
import { useQueries, useQuery } from '@tanstack/react-query';
import { ROW_LIMITS, withinLimit } from '../../../server/shared/limits';
import { formatMarketTime, formatPercent, formatPrice, formatSigned, trendClass } from '../app/format';
import { PanelHeader } from '../app/PanelHeader';
import { QueryView } from '../app/states';
import { useWorkspace } from '../app/workspace-state';
import { MissingScope, useSession } from '../auth/session';
import { useLiveInvalidate } from '../app/live';
import { useTRPC } from '../trpc';
import { Sparkline } from './Sparkline';

const POLL_MS = 15_000;
const SPARK_SESSIONS = withinLimit(30, ROW_LIMITS.bars.max);

export function Watchlist({ onCollapse }: { onCollapse: () => void }) {
  const trpc = useTRPC();
  const canRead = useSession().can('market:read');
  const tickers = useQuery(trpc.marketData.tickers.queryOptions(undefined, { enabled: canRead, staleTime: 5 * 60_000 }));
  return (
    <section className="panel" aria-label="Watchlist">
      <PanelHeader title="Watchlist" collapseLabel="Hide watchlist" onCollapse={onCollapse} />
      <div className="panel-body">
        {canRead ? (
          <QueryView query={tickers} label="Loading tickers" empty={(d) => d.tickers.length === 0 && 'No market data yet.'}>
            {(data) => <WatchlistRows tickers={data.tickers} />}
          </QueryView>
        ) : (
          <MissingScope scope="market:read" what="The watchlist" />
        )}
      </div>
    </section>
  );
}

function WatchlistRows({ tickers }: { tickers: string[] }) {
  const trpc = useTRPC();
  const { ticker: selected, setTicker } = useWorkspace();
  const daily = useQueries({
    queries: tickers.map((ticker) => trpc.marketData.bars.queryOptions({ ticker, timeframe: '1d', limit: SPARK_SESSIONS }, { refetchInterval: POLL_MS * 4 })),
  });
  const streaming = useLiveInvalidate(
    tickers.map((t) => `bars:${t}:1m`),
    trpc.marketData.latest.pathKey(),
  );
  const latest = useQueries({
    queries: tickers.map((ticker) => trpc.marketData.latest.queryOptions({ ticker, timeframe: '1m' }, { refetchInterval: streaming ? false : POLL_MS })),
  });

  return (
    <ul className="watchlist" aria-label="Tickers">
      {tickers.map((ticker, i) => {
        const sessions = daily[i]?.data?.data ?? [];
        const intraday = latest[i]?.data?.bar;
        // Last = the newest minute bar (else the last session's close); change is measured from the
        // close of the last session before the one that bar belongs to.
        const lastDay = intraday ? formatMarketTime(intraday.timestamp, true) : null;
        const before = lastDay ? sessions.filter((s) => formatMarketTime(s.timestamp, true) < lastDay) : sessions.slice(0, -1);
        const last = intraday?.close ?? sessions.at(-1)?.close;
        const previousClose = before.at(-1)?.close;
        const change = last != null && previousClose != null ? last - previousClose : null;
        const loading = daily[i]?.isPending || latest[i]?.isPending;
        return (
          <li key={ticker}>
            <button type="button" className="watch-row" aria-pressed={ticker === selected} onClick={() => setTicker(ticker)}>
              <span className="watch-symbol">{ticker}</span>
              <Sparkline values={sessions.map((s) => s.close)} trend={change ?? 0} />
              <span className="watch-figures" aria-busy={loading}>
                <span className="num watch-last">{loading ? '…' : formatPrice(last)}</span>
                <span className={`num watch-change ${trendClass(change)}`}>
                  {change === null || previousClose == null ? '—' : formatSigned(change / previousClose, (v) => formatPercent(v, 2))}
                </span>
              </span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}
