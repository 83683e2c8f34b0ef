// Background jobs (pg-boss): counts per state, a state filter, and the newest jobs with their
// error. Polls every 5 s while something is queued or running.
import { useQuery } from '@tanstack/react-query';
import { ROW_LIMITS, withinLimit } from '../../../server/shared/limits';
import { DataTable, columnsFor } from '../app/DataTable';
import { formatMarketTime } from '../app/format';
import { useLiveInvalidate } from '../app/live';
import { oneOf, usePersistentState } from '../app/persisted';
import { QueryView } from '../app/states';
import { useTRPC, type RouterOutputs } from '../trpc';

type Job = RouterOutputs['jobs']['list']['jobs'][number];

const FILTERS = ['all', 'created', 'active', 'retry', 'completed', 'failed', 'dead'] as const;
const JOBS_SHOWN = withinLimit(100, ROW_LIMITS.jobs.max);

const stateBadge = (job: Job) => {
  const state = job.dead ? 'dead' : job.state;
  const tone = state === 'completed' ? 'up' : state === 'failed' || state === 'dead' ? 'down' : state === 'active' ? 'accent' : '';
  return <span className={`badge ${tone}`}>{state}</span>;
};

const job = columnsFor<Job>();
const jobColumns = job.columns([
  job.accessor('createdAt', { header: 'Queued (ET)', cell: (c) => formatMarketTime(c.getValue()), sortFn: 'datetime', meta: { width: 130 } }),
  job.accessor('queue', { header: 'Queue', cell: (c) => <span title={c.row.original.singletonKey ?? undefined}>{c.getValue()}</span>, meta: { width: 170 } }),
  job.accessor('state', { header: 'State', cell: (c) => stateBadge(c.row.original), meta: { width: 80 } }),
  job.accessor('attempts', { header: 'Tries', cell: (c) => `${c.getValue()}/${c.row.original.retryLimit + 1}`, meta: { numeric: true, width: 50 } }),
  job.accessor('error', { header: 'Error', cell: (c) => <span className="down">{c.getValue() ?? ''}</span> }),
]);

export function JobsPanel() {
  const trpc = useTRPC();
  const [filter, setFilter] = usePersistentState<(typeof FILTERS)[number]>('qb.data.jobs', 'all', oneOf(FILTERS));
  // Every job state change is a `job.*` event (a trigger on pg-boss's table); poll only without the stream.
  const streaming = useLiveInvalidate(['jobs'], trpc.jobs.pathKey());
  const jobs = useQuery(
    trpc.jobs.list.queryOptions(
      { state: filter === 'all' ? undefined : filter, limit: JOBS_SHOWN },
      {
        refetchInterval: (q) =>
          streaming ? false : q.state.data && q.state.data.counts.created + q.state.data.counts.active + q.state.data.counts.retry > 0 ? 5_000 : 30_000,
      },
    ),
  );
  return (
    <section className="data-jobs" aria-label="Jobs">
      <div className="toolbar">
        <h3 className="section-title flush">Jobs</h3>
        <div className="segmented" role="radiogroup" aria-label="Job state shown">
          {FILTERS.map((f) => (
            <button key={f} type="button" role="radio" aria-checked={filter === f} onClick={() => setFilter(f)}>
              {f}
              {f !== 'all' && jobs.data && <span className="num muted"> {jobs.data.counts[f]}</span>}
            </button>
          ))}
        </div>
      </div>
      <QueryView query={jobs} label="Loading jobs">
        {(data) => <DataTable label="Jobs" columns={jobColumns} data={data.jobs} rowId={(j) => j.id} empty="No jobs in this state." />}
      </QueryView>
    </section>
  );
}
