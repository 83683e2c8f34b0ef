// Datasets: define a training dataset (tickers, timeframe, range, features, label, split), preview
// its first rows with every row counted per split and every left-out row by reason, download it
// in any export format (GET /api/datasets/export, the session cookie authenticates), save it as a
// version, and see saved versions with the models trained on them (datasets.get).
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { DATASET_LIMITS, withinLimit } from '../../../server/shared/limits';
import { formatInteger, formatMarketTime } from '../app/format';
import { InlineError, QueryView, describeError } from '../app/states';
import { Can } from '../auth/session';
import { useTRPC, type RouterInputs, type RouterOutputs } from '../trpc';
import './datasets.css';

type Definition = Omit<RouterInputs['datasets']['preview'], 'limit'>;
type Preview = RouterOutputs['datasets']['preview'];
type Saved = RouterOutputs['datasets']['list']['datasets'][number];

const PREVIEW_ROWS = withinLimit(20, DATASET_LIMITS.previewRows.max);
const TIMEFRAMES = ['1m', '5m', '15m', '1h', '4h', '1d'] as const;
const FORMATS = [
  { value: 'parquet', label: 'Parquet' },
  { value: 'arrow', label: 'Arrow IPC' },
  { value: 'csv', label: 'CSV' },
  { value: 'jsonl', label: 'JSON Lines' },
] as const;
const DEFAULT_FEATURES = ['rsi_14', 'sma_20', 'macd_hist', 'return_5'];

const isoDay = (d: Date) => d.toISOString().slice(0, 10);
const yearsAgo = (n: number) => {
  const d = new Date();
  d.setUTCFullYear(d.getUTCFullYear() - n);
  return isoDay(d);
};

interface Form {
  tickers: string[];
  timeframe: (typeof TIMEFRAMES)[number];
  from: string;
  to: string;
  features: string[];
  label: 'return' | 'direction';
  horizon: string;
  neutralBand: string;
  split: string;
}

const toDefinition = (f: Form): Definition => ({
  ticker: f.tickers.join(','),
  timeframe: f.timeframe,
  from: f.from,
  to: f.to,
  features: f.features.join(','),
  label: f.label,
  horizon: Number(f.horizon),
  neutralBand: Number(f.neutralBand),
  split: f.split,
});

export default function DatasetsView() {
  const trpc = useTRPC();
  const tickers = useQuery(trpc.marketData.tickers.queryOptions());
  const catalog = useQuery(trpc.features.catalog.queryOptions());
  const [form, setForm] = useState<Form | null>(null);
  const [submitted, setSubmitted] = useState<Definition | null>(null);
  const [selectedId, setSelectedId] = useState<string | null>(null);

  // SPY (or the first ticker with data) over the last year of daily bars: a preview shows at once.
  const current: Form | null =
    form ??
    (tickers.data?.tickers[0]
      ? { tickers: [tickers.data.tickers.includes('SPY') ? 'SPY' : tickers.data.tickers[0]], timeframe: '1d', from: yearsAgo(1), to: isoDay(new Date(Date.now() + 86_400_000)), features: DEFAULT_FEATURES, label: 'return', horizon: '1', neutralBand: '0.001', split: '0.7,0.85' }
      : null);
  const definition = submitted ?? (current && toDefinition(current));
  const preview = useQuery(trpc.datasets.preview.queryOptions({ ...definition!, limit: PREVIEW_ROWS }, { enabled: definition !== null, retry: false }));

  const update = (patch: Partial<Form>) => current && setForm({ ...current, ...patch });
  const toggle = (list: string[], item: string) => (list.includes(item) ? list.filter((x) => x !== item) : [...list, item]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (current) setSubmitted(toDefinition(current));
  };

  return (
    <div className="datasets-view">
      <section className="datasets-define" aria-label="Define a dataset">
        <QueryView query={tickers} label="Loading tickers" empty={(d) => d.tickers.length === 0 && 'No bars stored yet: ingest or seed data first.'}>
          {(data) =>
            current && (
              <form className="datasets-form" onSubmit={submit} aria-label="Dataset definition">
                <fieldset className="field">
                  <legend>Tickers</legend>
                  <div className="chips">
                    {data.tickers.map((t) => (
                      <label key={t} className="chip-check">
                        <input type="checkbox" checked={current.tickers.includes(t)} onChange={() => update({ tickers: toggle(current.tickers, t) })} />
                        {t}
                      </label>
                    ))}
                  </div>
                </fieldset>
                <div className="datasets-grid">
                  <label className="field">
                    Timeframe
                    <select className="select" value={current.timeframe} onChange={(e) => update({ timeframe: e.target.value as Form['timeframe'] })}>
                      {TIMEFRAMES.map((tf) => (
                        <option key={tf}>{tf}</option>
                      ))}
                    </select>
                  </label>
                  <label className="field">
                    From
                    <input className="input" type="date" value={current.from} onChange={(e) => update({ from: e.target.value })} required />
                  </label>
                  <label className="field">
                    To (exclusive)
                    <input className="input" type="date" value={current.to} onChange={(e) => update({ to: e.target.value })} required />
                  </label>
                  <label className="field">
                    Label
                    <select className="select" value={current.label} onChange={(e) => update({ label: e.target.value as Form['label'] })}>
                      <option value="return">Forward return</option>
                      <option value="direction">Direction (UP/DOWN/NEUTRAL)</option>
                    </select>
                  </label>
                  <label className="field">
                    Horizon (bars)
                    <input className="input num" type="number" min="1" max={DATASET_LIMITS.horizon} value={current.horizon} onChange={(e) => update({ horizon: e.target.value })} />
                  </label>
                  {current.label === 'direction' && (
                    <label className="field">
                      Neutral band
                      <input className="input num" type="number" min="0" max="1" step="0.0001" value={current.neutralBand} onChange={(e) => update({ neutralBand: e.target.value })} />
                    </label>
                  )}
                  <label className="field">
                    Split (validation, test start)
                    <input className="input" value={current.split} onChange={(e) => update({ split: e.target.value })} title="Fractions of the range (0.7,0.85) or dates (2025-01-01,2025-07-01)" />
                  </label>
                </div>
                <fieldset className="field">
                  <legend>Features ({current.features.length})</legend>
                  <div className="chips datasets-features">
                    {(catalog.data?.features ?? []).map((f) => (
                      <label key={f.name} className="chip-check" title={f.formula}>
                        <input type="checkbox" checked={current.features.includes(f.name)} onChange={() => update({ features: toggle(current.features, f.name) })} />
                        {f.name}
                      </label>
                    ))}
                  </div>
                </fieldset>
                <div className="toolbar">
                  <button type="submit" className="btn primary small">
                    Preview
                  </button>
                </div>
              </form>
            )
          }
        </QueryView>
      </section>
      <section className="datasets-preview" aria-label="Preview">
        {definition && (
          <QueryView query={preview} label="Counting rows">
            {(data) => <PreviewPanel preview={data} definition={definition} />}
          </QueryView>
        )}
      </section>
      <section className="datasets-saved" aria-label="Saved datasets">
        <SavedDatasets selectedId={selectedId} onSelect={setSelectedId} />
      </section>
    </div>
  );
}

function PreviewPanel({ preview, definition }: { preview: Preview; definition: Definition }) {
  const { counts } = preview;
  const [format, setFormat] = useState<(typeof FORMATS)[number]['value']>('parquet');
  return (
    <>
      <div className="toolbar">
        <h3 className="section-title flush">Preview</h3>
        <span className="muted" aria-label="Rows per split">
          train {formatInteger(counts.rows.train)} · validation {formatInteger(counts.rows.validation)} · test {formatInteger(counts.rows.test)} of {formatInteger(counts.bars)} bars
        </span>
        <div className="toolbar-spacer" />
        <select className="select" aria-label="Download format" value={format} onChange={(e) => setFormat(e.target.value as typeof format)}>
          {FORMATS.map((f) => (
            <option key={f.value} value={f.value}>
              {f.label}
            </option>
          ))}
        </select>
        <a className="btn small" href={`/api/datasets/export?${preview.exportQuery}&format=${format}`} download>
          Download
        </a>
      </div>
      <p className="muted datasets-dropped">
        Left out: {formatInteger(counts.dropped.noHorizon)} without a full horizon, {formatInteger(counts.dropped.gap)} across a data gap, {formatInteger(counts.dropped.purged)} purged,{' '}
        {formatInteger(counts.dropped.embargoed)} embargoed at split boundaries.
      </p>
      <div className="scroll datasets-table">
        <table className="plain-table" aria-label="Preview rows">
          <thead>
            <tr>
              {preview.columns.map((c) => (
                <th key={c}>{c}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {preview.rows.map((row, i) => (
              <tr key={i}>
                {preview.columns.map((c) => (
                  <td key={c} className={typeof row[c] === 'number' ? 'num' : ''}>
                    {c === 'timestamp' ? formatMarketTime(row[c] as string) : typeof row[c] === 'number' ? (row[c] as number).toPrecision(6) : (row[c] ?? '—')}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Can scope="models:write">
        <SaveVersion definition={definition} />
      </Can>
    </>
  );
}

function SaveVersion({ definition }: { definition: Definition }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const save = useMutation(
    trpc.datasets.create.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.datasets.list.queryKey() }),
    }),
  );
  return (
    <form
      className="toolbar"
      aria-label="Save version"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate({ name, ...definition });
      }}
    >
      <label className="field inline">
        Name
        <input className="input" value={name} onChange={(e) => setName(e.target.value)} placeholder="spy-daily-direction" required />
      </label>
      <button type="submit" className="btn small" disabled={save.isPending || !name}>
        {save.isPending ? 'Saving…' : 'Save version'}
      </button>
      {save.isError && <InlineError>{describeError(save.error)}</InlineError>}
      {save.data && (
        <span className="muted" role="status">
          {save.data.created ? 'Saved' : 'Already saved'} as {save.data.dataset.name} v{save.data.dataset.version}
        </span>
      )}
    </form>
  );
}

function SavedDatasets({ selectedId, onSelect }: { selectedId: string | null; onSelect: (id: string | null) => void }) {
  const trpc = useTRPC();
  const list = useQuery(trpc.datasets.list.queryOptions({}));
  const detail = useQuery(trpc.datasets.get.queryOptions({ id: selectedId ?? '' }, { enabled: selectedId !== null }));
  return (
    <>
      <h3 className="section-title">Saved versions</h3>
      <QueryView query={list} label="Loading datasets" empty={(d) => d.datasets.length === 0 && 'No dataset saved yet.'}>
        {(data) => (
          <ul className="datasets-list" aria-label="Dataset versions">
            {data.datasets.map((d: Saved) => (
              <li key={d.id}>
                <button type="button" className={`datasets-item${d.id === selectedId ? ' selected' : ''}`} onClick={() => onSelect(d.id === selectedId ? null : d.id)} aria-pressed={d.id === selectedId}>
                  <span>
                    {d.name} <span className="muted">v{d.version}</span>
                  </span>
                  <span className="muted">
                    {d.definition.ticker.join(', ')} {d.definition.timeframe} · {formatInteger(d.counts.rows.train + d.counts.rows.validation + d.counts.rows.test)} rows
                  </span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </QueryView>
      {selectedId && (
        <QueryView query={detail} label="Loading dataset">
          {({ dataset }) => (
            <div className="datasets-detail" aria-label="Dataset lineage">
              <dl className="kv">
                <dt>Content hash</dt>
                <dd className="hash" title={dataset.contentHash}>
                  {dataset.contentHash.slice(0, 16)}…
                </dd>
                <dt>Range</dt>
                <dd>
                  {dataset.definition.from.slice(0, 10)} → {dataset.definition.to.slice(0, 10)}
                </dd>
                <dt>Features</dt>
                <dd>{dataset.definition.features.join(', ')}</dd>
                <dt>Label</dt>
                <dd>
                  {dataset.definition.label}, {dataset.definition.horizon} bar(s)
                </dd>
              </dl>
              <h3 className="section-title">Models trained on it</h3>
              {dataset.models.length === 0 ? (
                <p className="muted">None registered yet (POST /api/models with datasetId).</p>
              ) : (
                <ul className="datasets-models">
                  {dataset.models.map((m) => (
                    <li key={m.id}>
                      {m.name} <span className="muted">v{m.version} · {m.algorithm}</span>
                    </li>
                  ))}
                </ul>
              )}
            </div>
          )}
        </QueryView>
      )}
    </>
  );
}
