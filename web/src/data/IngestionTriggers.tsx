// Admin triggers: fetch the newest bars now, or backfill a range. Both start a background run;
// the runs table then shows its progress live.
import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { INGESTION_LIMITS } from '../../../server/shared/limits';
import { Modal } from '../app/Modal';
import { InlineError, describeError } from '../app/states';
import { TIMEFRAMES, useWorkspace, type Timeframe } from '../app/workspace-state';
import { useTRPC } from '../trpc';

export function IngestionTriggers({ onStarted }: { onStarted: (runId: string) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [backfillOpen, setBackfillOpen] = useState(false);
  const started = async ({ runId }: { runId: string }) => {
    onStarted(runId);
    await queryClient.invalidateQueries({ queryKey: trpc.ingestion.pathKey() });
  };
  const refresh = useMutation(trpc.ingestion.triggerRefresh.mutationOptions({ onSuccess: started }));
  const backfill = useMutation(trpc.ingestion.startBackfill.mutationOptions({ onSuccess: started }));

  return (
    <>
      {refresh.isError && <InlineError>{describeError(refresh.error)}</InlineError>}
      <button type="button" className="btn small" disabled={refresh.isPending} onClick={() => refresh.mutate({})}>
        {refresh.isPending ? 'Starting…' : 'Refresh now'}
      </button>
      <button
        type="button"
        className="btn small"
        onClick={() => {
          backfill.reset();
          setBackfillOpen(true);
        }}
      >
        Backfill…
      </button>
      {backfillOpen && (
        <BackfillDialog
          busy={backfill.isPending}
          error={backfill.error && describeError(backfill.error)}
          onCancel={() => setBackfillOpen(false)}
          onSubmit={(input) => backfill.mutate(input, { onSuccess: () => setBackfillOpen(false) })}
        />
      )}
    </>
  );
}

interface BackfillRequest {
  tickers: string[];
  timeframes: Timeframe[];
  years: number;
  force: boolean;
}

function BackfillDialog({ busy, error, onCancel, onSubmit }: { busy: boolean; error: string | null; onCancel: () => void; onSubmit: (input: BackfillRequest) => void }) {
  const { ticker } = useWorkspace();
  const [tickers, setTickers] = useState(ticker);
  const [timeframes, setTimeframes] = useState<Timeframe[]>(['1d', '1h']);
  const [years, setYears] = useState('2');
  const [force, setForce] = useState(false);
  const list = tickers
    .split(',')
    .map((t) => t.trim().toUpperCase())
    .filter(Boolean);
  const valid = list.length > 0 && list.length <= INGESTION_LIMITS.tickers && timeframes.length > 0 && Number(years) > 0 && Number(years) <= INGESTION_LIMITS.years;

  return (
    <Modal
      title="Backfill market data"
      onClose={onCancel}
      footer={
        <>
          <button type="button" className="btn" onClick={onCancel} disabled={busy}>
            Cancel
          </button>
          <button type="button" className="btn primary" disabled={!valid || busy} onClick={() => onSubmit({ tickers: list, timeframes, years: Number(years), force })}>
            {busy ? 'Starting…' : 'Start backfill'}
          </button>
        </>
      }
    >
      <div className="form-grid">
        <label className="field">
          Tickers (comma separated, at most {INGESTION_LIMITS.tickers})
          <input className="input" value={tickers} onChange={(e) => setTickers(e.target.value)} />
        </label>
        <fieldset className="field checks">
          <legend>Timeframes</legend>
          {TIMEFRAMES.map((tf) => (
            <label key={tf}>
              <input type="checkbox" checked={timeframes.includes(tf)} onChange={(e) => setTimeframes(e.target.checked ? [...timeframes, tf] : timeframes.filter((t) => t !== tf))} /> {tf}
            </label>
          ))}
        </fieldset>
        <label className="field">
          Years back
          <input className="input num" type="number" min="0.1" max={INGESTION_LIMITS.years} step="0.5" value={years} onChange={(e) => setYears(e.target.value)} />
        </label>
        <label className="check">
          <input type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} /> Refetch windows already ingested
        </label>
        {error && <InlineError block>{error}</InlineError>}
      </div>
    </Modal>
  );
}
