// The model registry: registered metrics next to live accuracy (measured on stored outcomes),
// aliases, a detail pane for the picked model, and - for admins - deploy (to any alias) and roll
// back (the server restores the previous champion), each behind a confirmation because it changes
// which model drives every signal of that series.
import { useMemo, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { DataTable, columnsFor } from '../app/DataTable';
import { formatInteger, formatMarketTime, formatPercent } from '../app/format';
import { useLivePolling } from '../app/live';
import { ConfirmDialog } from '../app/Modal';
import { useSeriesScope } from '../app/SeriesScope';
import { QueryView, describeError } from '../app/states';
import { useSession } from '../auth/session';
import { useTRPC, type RouterOutputs } from '../trpc';
import { ModelDetail } from './ModelDetail';
import './models.css';

type Model = RouterOutputs['models']['list']['models'][number];
type HitStats = RouterOutputs['predictions']['accuracy']['models'][number];
interface Row extends Model {
  live: HitStats | undefined;
}

interface PendingDeploy {
  model: Model;
  replaces: Model | undefined;
  rollback: boolean;
}

const LIVE_MS = 60_000;
const label = (m: Pick<Model, 'name' | 'version'>) => `${m.name} ${m.version}`;
const seriesOf = (m: Pick<Model, 'ticker' | 'timeframe'>) => `${m.ticker ?? 'any'} ${m.timeframe ?? ''}`.trim();

/** The model a roll back returns to: the series' most recently deployed inactive model. */
function rollbackTarget(active: Model, all: readonly Model[]): Model | undefined {
  return all
    .filter((m) => !m.isActive && m.deployedAt && m.ticker === active.ticker && m.timeframe === active.timeframe)
    .sort((a, b) => (b.deployedAt ?? '').localeCompare(a.deployedAt ?? ''))[0];
}

export default function ModelsView() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { can } = useSession();
  const isAdmin = can('admin');
  const { filter, toggle } = useSeriesScope('models');
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [pending, setPending] = useState<PendingDeploy | null>(null);
  const [notice, setNotice] = useState<{ text: string; undo?: PendingDeploy } | null>(null);
  const [alias, setAlias] = useState('champion');
  const [reason, setReason] = useState('');

  // Deploys come as model events, outcomes (live accuracy) as prediction events.
  const modelsEvery = useLivePolling(['models', 'predictions'], trpc.models.list.pathKey(), LIVE_MS);
  const accuracyEvery = useLivePolling(['predictions'], trpc.predictions.accuracy.pathKey(), LIVE_MS);
  const models = useQuery(trpc.models.list.queryOptions(filter, { refetchInterval: modelsEvery }));
  const accuracy = useQuery(trpc.predictions.accuracy.queryOptions(filter, { refetchInterval: accuracyEvery }));
  const liveById = useMemo(() => new Map(accuracy.data?.models.map((m) => [m.modelId, m])), [accuracy.data]);

  // Models, signals and the chart's "active model" markers all depend on the champion.
  const refresh = () =>
    Promise.all([queryClient.invalidateQueries({ queryKey: trpc.models.pathKey() }), queryClient.invalidateQueries({ queryKey: trpc.trading.signals.pathKey() })]);
  const deploy = useMutation(
    trpc.models.deploy.mutationOptions({
      onSuccess: async (result) => {
        const previous = models.data?.models.find((m) => m.id === result.previousActiveModelId);
        const champion = result.alias === 'champion';
        setNotice({
          text: result.alreadyActive
            ? `${label(result.model)} already is ${result.alias}.`
            : champion
              ? `${label(result.model)} is now active for ${seriesOf(result.model)}${previous ? `, replacing ${label(previous)}` : ''}.`
              : `${label(result.model)} is now ${result.alias} for ${seriesOf(result.model)}.`,
          undo: champion && previous ? { model: previous, replaces: result.model, rollback: true } : undefined,
        });
        setPending(null);
        await refresh();
      },
    }),
  );
  const rollback = useMutation(
    trpc.models.rollback.mutationOptions({
      onSuccess: async (result) => {
        const replaced = models.data?.models.find((m) => m.id === result.rolledBackModelId);
        setNotice({ text: `Rolled back: ${label(result.model)} is active for ${seriesOf(result.model)} again${replaced ? `, replacing ${label(replaced)}` : ''}.` });
        setPending(null);
        await refresh();
      },
    }),
  );
  const mutation = pending?.rollback ? rollback : deploy;

  const confirm = (next: PendingDeploy) => {
    deploy.reset();
    rollback.reset();
    setAlias('champion');
    setReason('');
    setPending(next);
  };
  const submit = (p: PendingDeploy) => {
    const why = reason.trim() || undefined;
    if (p.rollback && p.replaces?.ticker && p.replaces.timeframe) rollback.mutate({ ticker: p.replaces.ticker, timeframe: p.replaces.timeframe, reason: why });
    else deploy.mutate({ modelId: p.model.id, alias: p.rollback ? 'champion' : alias, reason: why });
  };

  const col = columnsFor<Row>();
  const columns = col.columns([
    col.accessor((m) => label(m), { id: 'model', header: 'Model' }),
    col.accessor('algorithm', { header: 'Algorithm', meta: { width: 120 } }),
    col.accessor((m) => seriesOf(m), { id: 'series', header: 'Series', meta: { width: 80 } }),
    col.accessor('status', { header: 'Status', cell: (c) => <span className={`badge ${c.getValue() === 'DEPLOYED' ? 'up' : ''}`}>{c.getValue()}</span>, meta: { width: 90 } }),
    col.accessor('isActive', {
      header: 'Active',
      cell: (c) => (c.getValue() ? <span className="badge accent">Active</span> : <span className="muted">—</span>),
      meta: { width: 70 },
    }),
    col.accessor((m) => m.aliases.filter((a) => a !== 'champion').join(', '), {
      id: 'aliases',
      header: 'Aliases',
      cell: (c) => c.getValue() || <span className="muted">—</span>,
      meta: { width: 100 },
    }),
    col.accessor('accuracy', { header: 'Reg. accuracy', cell: (c) => formatPercent(c.getValue()), meta: { numeric: true, width: 100 } }),
    col.accessor((m) => m.live?.hitRate ?? null, { id: 'liveHitRate', header: 'Live hit rate', cell: (c) => formatPercent(c.getValue()), meta: { numeric: true, width: 100 } }),
    col.accessor((m) => m.live?.resolved ?? 0, { id: 'resolved', header: 'Resolved', cell: (c) => formatInteger(c.getValue()), meta: { numeric: true, width: 80 } }),
    col.accessor('deployedAt', { header: 'Deployed', cell: (c) => (c.getValue() ? formatMarketTime(c.getValue()!, true) : '—'), meta: { width: 100 } }),
    ...(isAdmin
      ? [
          col.display({
            id: 'actions',
            header: () => <span className="visually-hidden">Actions</span>,
            cell: ({ row: { original: m } }) => {
              const all = models.data?.models ?? [];
              if (m.isActive) {
                const target = rollbackTarget(m, all);
                return target ? (
                  <button type="button" className="btn small" aria-label={`Roll back to ${label(target)}`} onClick={(e) => { e.stopPropagation(); confirm({ model: target, replaces: m, rollback: true }); }}>
                    Roll back
                  </button>
                ) : null;
              }
              const replaces = all.find((o) => o.isActive && o.ticker === m.ticker && o.timeframe === m.timeframe);
              return (
                <button type="button" className="btn small" aria-label={`Deploy ${label(m)}`} onClick={(e) => { e.stopPropagation(); confirm({ model: m, replaces, rollback: false }); }}>
                  Deploy
                </button>
              );
            },
            meta: { width: 100 },
          }),
        ]
      : []),
  ]);

  return (
    <div className="view">
      <div className="toolbar">
        {toggle}
        <div className="toolbar-spacer" />
        {notice && (
          <span className="notice" role="status">
            {notice.text}
            {notice.undo && isAdmin && (
              <button type="button" className="btn small" onClick={() => notice.undo && confirm(notice.undo)}>
                Undo
              </button>
            )}
          </span>
        )}
      </div>
      <QueryView query={models} label="Loading models" empty={(d) => d.models.length === 0 && 'No models registered for this scope.'}>
        {(data) => (
          <div className="models">
            <DataTable
              label="Models"
              columns={columns}
              data={data.models.map((m) => ({ ...m, live: liveById.get(m.id) }))}
              rowId={(m) => m.id}
              onRowClick={(m) => setSelectedId(m.id)}
              selectedId={selectedId}
            />
            {selectedId && <ModelDetail id={selectedId} onClose={() => setSelectedId(null)} />}
          </div>
        )}
      </QueryView>
      {pending && (
        <ConfirmDialog
          title={pending.rollback ? 'Roll back model' : 'Deploy model'}
          confirmLabel={pending.rollback ? 'Roll back' : 'Deploy'}
          busy={mutation.isPending}
          error={mutation.error && describeError(mutation.error)}
          onConfirm={() => submit(pending)}
          onCancel={() => setPending(null)}
        >
          {!pending.rollback && (
            <div className="deploy-fields">
              <label htmlFor="deploy-alias">Alias</label>
              <input id="deploy-alias" className="input" value={alias} onChange={(e) => setAlias(e.target.value.toLowerCase())} list="deploy-alias-names" />
              <datalist id="deploy-alias-names">
                <option value="champion" />
                <option value="challenger" />
              </datalist>
            </div>
          )}
          {pending.rollback || alias === 'champion' ? (
            <>
              <p>
                Make <strong>{label(pending.model)}</strong> the only active model (champion) for <strong>{seriesOf(pending.model)}</strong>?
              </p>
              <p className="muted">
                {pending.replaces ? `${label(pending.replaces)} stops driving signals for this series.` : 'No model is active for this series now.'} New predictions and
                trading signals follow the active model.
              </p>
            </>
          ) : (
            <p>
              Point <strong>@{alias}</strong> of <strong>{seriesOf(pending.model)}</strong> at <strong>{label(pending.model)}</strong>? The active model does not change.
            </p>
          )}
          <div className="deploy-fields">
            <label htmlFor="deploy-reason">Reason (history)</label>
            <input id="deploy-reason" className="input" value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} placeholder="optional" />
          </div>
        </ConfirmDialog>
      )}
    </div>
  );
}
