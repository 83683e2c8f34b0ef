// One model in full: registered metrics, live accuracy, training window, features and
// hyperparameters, the dataset version it was trained on (models.get), its series' aliases and
// deploy history, and its backtest.
import { useQuery } from '@tanstack/react-query';
import { formatInteger, formatMarketTime, formatPercent } from '../app/format';
import { QueryView } from '../app/states';
import { useTRPC } from '../trpc';
import { BacktestPanel } from './BacktestPanel';
import { SeriesHistory } from './SeriesHistory';

const formatJsonValue = (value: unknown) => (typeof value === 'number' ? String(value) : JSON.stringify(value));

export function ModelDetail({ id, onClose }: { id: string; onClose: () => void }) {
  const trpc = useTRPC();
  const query = useQuery(trpc.models.get.queryOptions({ id }));
  return (
    <aside className="model-detail" aria-label="Model details">
      <QueryView query={query} label="Loading model">
        {({ model }) => (
          <>
            <header className="model-detail-head">
              <div>
                <div className="model-detail-name">{model.name}</div>
                <div className="muted">
                  v{model.version} · {model.algorithm} · {model.ticker ?? 'any'} {model.timeframe ?? ''}
                </div>
                {model.aliases.length > 0 && (
                  <div className="chips model-aliases" aria-label="Aliases">
                    {model.aliases.map((a) => (
                      <span key={a} className={`badge ${a === 'champion' ? 'accent' : ''}`}>
                        @{a}
                      </span>
                    ))}
                  </div>
                )}
              </div>
              <button type="button" className="btn ghost icon" aria-label="Close details" onClick={onClose}>
                ×
              </button>
            </header>
            <dl className="kv">
              <dt>Live hit rate</dt>
              <dd className="num">
                {formatPercent(model.liveStats.hitRate)} <span className="muted">of {formatInteger(model.liveStats.resolved)}</span>
              </dd>
              <dt>Registered accuracy</dt>
              <dd className="num">{formatPercent(model.accuracy)}</dd>
              <dt>Precision / recall</dt>
              <dd className="num">
                {formatPercent(model.precision)} / {formatPercent(model.recall)}
              </dd>
              <dt>F1 / Sharpe</dt>
              <dd className="num">
                {formatPercent(model.f1Score)} / {model.sharpeRatio?.toFixed(2) ?? '—'}
              </dd>
              <dt>Max drawdown</dt>
              <dd className="num">{formatPercent(model.maxDrawdown)}</dd>
              <dt>Trained</dt>
              <dd>{model.trainedAt ? formatMarketTime(model.trainedAt, true) : '—'}</dd>
              <dt>Training data</dt>
              <dd>
                {model.trainingDataFrom ? formatMarketTime(model.trainingDataFrom, true) : '—'} →{' '}
                {model.trainingDataTo ? formatMarketTime(model.trainingDataTo, true) : '—'}
                {model.trainingRows !== null && <span className="muted"> · {formatInteger(model.trainingRows)} rows</span>}
              </dd>
              <dt>Dataset</dt>
              <dd>
                {model.dataset ? (
                  <>
                    {model.dataset.name} v{model.dataset.version} <span className="muted">sha256 {model.dataset.contentHash.slice(0, 12)}…</span>
                  </>
                ) : (
                  '—'
                )}
              </dd>
              {model.modelPath && (
                <>
                  <dt>Model file</dt>
                  <dd>{model.modelPath}</dd>
                </>
              )}
            </dl>
            <h3 className="section-title">Features</h3>
            <div className="chips">
              {model.featureSet.length === 0 ? <span className="muted">none listed</span> : model.featureSet.map((f) => <span key={f} className="badge">{f}</span>)}
            </div>
            <JsonSection title="Feature importance" value={model.featureImportance} />
            <JsonSection title="Hyperparameters" value={model.hyperparameters} />
            <BacktestPanel modelId={model.id} />
            {model.ticker && model.timeframe && <SeriesHistory ticker={model.ticker} timeframe={model.timeframe} />}
          </>
        )}
      </QueryView>
    </aside>
  );
}

function JsonSection({ title, value }: { title: string; value: Record<string, unknown> | null }) {
  if (!value) return null;
  return (
    <>
      <h3 className="section-title">{title}</h3>
      <dl className="kv">
        {Object.entries(value).map(([k, v]) => (
          <div key={k} className="kv-row">
            <dt>{k}</dt>
            <dd className="num">{formatJsonValue(v)}</dd>
          </div>
        ))}
      </dl>
    </>
  );
}
