// The right-hand panel for the workspace's ticker: the position, the paper-order ticket, the
// current signals and each model's newest prediction. Sections the key cannot use are omitted.
import { useQuery } from '@tanstack/react-query';
import { ROW_LIMITS, withinLimit } from '../../../server/shared/limits';
import { formatMarketTime, formatMoney, formatPercent, formatPrice, formatSigned, trendClass } from '../app/format';
import { PanelHeader } from '../app/PanelHeader';
import { Empty, QueryView } from '../app/states';
import { useWorkspace } from '../app/workspace-state';
import { Can, useSession } from '../auth/session';
import { DirectionBadge, OutcomeBadge } from '../predictions/badges';
import { useLiveInvalidate, useLivePolling } from '../app/live';
import { useTRPC } from '../trpc';
import { OrderTicket } from './OrderTicket';
import { toDisplay } from './tables';
import './trading.css';

const LIVE_MS = 15_000;
const CLOCK_MS = 60_000;
const LATEST_SHOWN = withinLimit(5, ROW_LIMITS.latestPredictions.max);

export default function TradePanel({ onCollapse }: { onCollapse: () => void }) {
  const { ticker } = useWorkspace();
  const { can } = useSession();
  const nothing = !can('trading:read') && !can('trading:execute') && !can('predictions:read');
  return (
    <section className="panel" aria-label="Trade panel">
      <PanelHeader title={`Trade · ${ticker}`} collapseLabel="Hide trade panel" onCollapse={onCollapse} />
      <div className="panel-body side">
        {nothing && <Empty>Your key has no trading or prediction access.</Empty>}
        <Can scope="trading:read">
          <PositionSummary ticker={ticker} />
        </Can>
        <Can scope="trading:execute">
          <h3 className="section-title">Paper order</h3>
          <TicketWithPrice ticker={ticker} />
        </Can>
        <Can scope="trading:read">
          <TickerSignals ticker={ticker} />
        </Can>
        <Can scope="predictions:read">
          <LatestPredictions ticker={ticker} />
        </Can>
      </div>
    </section>
  );
}

function TicketWithPrice({ ticker }: { ticker: string }) {
  const trpc = useTRPC();
  const streaming = useLiveInvalidate([`bars:${ticker}:1m`], trpc.marketData.latest.queryKey({ ticker, timeframe: '1m' }));
  const latest = useQuery(trpc.marketData.latest.queryOptions({ ticker, timeframe: '1m' }, { refetchInterval: streaming ? false : LIVE_MS }));
  return <OrderTicket ticker={ticker} lastPrice={latest.data?.bar?.close ?? null} />;
}

function PositionSummary({ ticker }: { ticker: string }) {
  const trpc = useTRPC();
  const every = useLivePolling(['orders'], trpc.trading.portfolio.pathKey(), LIVE_MS, LIVE_MS); // prices move without events
  const portfolio = useQuery(trpc.trading.portfolio.queryOptions(undefined, { refetchInterval: every }));
  const position = portfolio.data?.positions.find((p) => p.ticker === ticker);
  return (
    <>
      <h3 className="section-title">Position</h3>
      <QueryView query={portfolio} label="Loading position">
        {() =>
          position && Number(position.quantity) !== 0 ? (
            <dl className="kv" role="group" aria-label={`${ticker} position`}>
              <dt>Quantity</dt>
              <dd className="num">{position.quantity}</dd>
              <dt>Avg entry price</dt>
              <dd className="num">{formatPrice(toDisplay(position.avgEntryPrice))}</dd>
              <dt>Market value</dt>
              <dd className="num">{formatMoney(toDisplay(position.marketValue))}</dd>
              <dt>Unrealised P&amp;L</dt>
              <dd className={`num ${trendClass(toDisplay(position.unrealizedPnL))}`}>
                {formatSigned(toDisplay(position.unrealizedPnL), (v) => formatMoney(v))}
                {position.unrealizedPnLPct !== null && (
                  <span className="muted"> ({formatSigned(position.unrealizedPnLPct / 100, (v) => formatPercent(v, 2))})</span>
                )}
              </dd>
            </dl>
          ) : (
            <p className="side-note muted">No {ticker} position.</p>
          )
        }
      </QueryView>
    </>
  );
}

function TickerSignals({ ticker }: { ticker: string }) {
  const trpc = useTRPC();
  const every = useLivePolling([`predictions:${ticker}`, 'models'], trpc.trading.signals.pathKey(), LIVE_MS, CLOCK_MS); // targets pass by the clock
  const signals = useQuery(trpc.trading.signals.queryOptions({ ticker }, { refetchInterval: every }));
  return (
    <>
      <h3 className="section-title">Signals</h3>
      <QueryView query={signals} label="Loading signals" empty={(d) => d.signals.length === 0 && `No open signal for ${ticker}.`}>
        {(data) => (
          <ul className="side-list" aria-label={`${ticker} signals`}>
            {data.signals.map((s) => (
              <li key={s.predictionId} className="side-item">
                <span className={`badge ${s.action === 'BUY' ? 'up' : s.action === 'SELL' ? 'down' : ''}`}>{s.action}</span>
                <span className="badge">{s.timeframe}</span>
                <span className="num">{formatPercent(s.confidence)}</span>
                <span className="muted side-item-text" title={s.reason}>
                  {s.model.name} {s.model.version}
                </span>
              </li>
            ))}
          </ul>
        )}
      </QueryView>
    </>
  );
}

function LatestPredictions({ ticker }: { ticker: string }) {
  const trpc = useTRPC();
  const { timeframe } = useWorkspace();
  const every = useLivePolling([`predictions:${ticker}`, 'models'], trpc.predictions.latest.pathKey(), LIVE_MS, CLOCK_MS); // targets pass by the clock
  const latest = useQuery(trpc.predictions.latest.queryOptions({ ticker, timeframe, limit: LATEST_SHOWN }, { refetchInterval: every }));
  return (
    <>
      <h3 className="section-title">
        Latest predictions · {ticker} {timeframe}
      </h3>
      <QueryView query={latest} label="Loading predictions" empty={(d) => d.predictions.length === 0 && 'No predictions for this series.'}>
        {(data) => (
          <ul className="side-list" aria-label="Latest predictions">
            {data.predictions.map((p) => (
              <li key={p.id} className="side-item">
                <DirectionBadge direction={p.direction} />
                <span className="num">{formatPercent(p.confidence)}</span>
                <OutcomeBadge outcome={p.correct === null ? 'pending' : p.correct ? 'right' : 'wrong'} />
                <span className="muted side-item-text" title={`Predicted at ${formatMarketTime(p.predictionTime)} ET`}>
                  {p.model.name} {p.model.version}
                </span>
              </li>
            ))}
          </ul>
        )}
      </QueryView>
    </>
  );
}
