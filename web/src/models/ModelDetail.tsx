// One model in full: registered metrics, live accuracy, training window, features and
// hyperparameters (models.get).
import { useQuery } from '@tanstack/react-query';
import { formatInteger, formatMarketTime, formatPercent } from '../app/format';
import { QueryView } from '../app/states';
import { useTRPC } from '../trpc';

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
              </div>
              <button type="button" className="btn ghost icon" aria-label="Close details" onClick={onClose}>
                ×
              </button>
            </header>
            <dl className="kv">
              <dt>Live hit rate</dt>
              <dd className="num">
                {formatPercent(model.liveAccuracy.hitRate)} <span className="muted">of {formatInteger(model.liveAccuracy.resolved)}</span>
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
              <dt>Trained</dt>
              <dd>{model.trainedAt ? formatMarketTime(model.trainedAt, true) : '—'}</dd>
              <dt>Training window</dt>
              <dd>
                {model.trainingStart ? formatMarketTime(model.trainingStart, true) : '—'} → {model.trainingEnd ? formatMarketTime(model.trainingEnd, true) : '—'}
              </dd>
            </dl>
            <h3 className="section-title">Features</h3>
            <div className="chips">
              {model.featureSet.length === 0 ? <span className="muted">none listed</span> : model.featureSet.map((f) => <span key={f} className="badge">{f}</span>)}
            </div>
            <h3 className="section-title">Hyperparameters</h3>
            <dl className="kv">
              {Object.entries(model.hyperparameters ?? {}).map(([k, v]) => (
                <div key={k} className="kv-row">
                  <dt>{k}</dt>
                  <dd className="num">{formatJsonValue(v)}</dd>
                </div>
              ))}
            </dl>
          </>
        )}
      </QueryView>
    </aside>
  );
}
