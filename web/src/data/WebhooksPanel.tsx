// Outbound webhooks of the signed-in key (an admin's: everyone's) and, for the selected one, its
// delivery log with the last attempt's answer. Subscribing stays an API call: the secret is the bot's.
import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { ROW_LIMITS, withinLimit } from '../../../server/shared/limits';
import { DataTable, columnsFor } from '../app/DataTable';
import { formatMarketTime } from '../app/format';
import { QueryView } from '../app/states';
import { MissingScope, useSession } from '../auth/session';
import { useTRPC, type RouterOutputs } from '../trpc';

type Subscription = RouterOutputs['webhooks']['list']['webhooks'][number];
type Delivery = RouterOutputs['webhooks']['deliveries']['deliveries'][number];

const DELIVERIES_SHOWN = withinLimit(50, ROW_LIMITS.webhookDeliveries.max);

const subscription = columnsFor<Subscription>();
const subscriptionColumns = subscription.columns([
  subscription.accessor('url', { header: 'URL', cell: (c) => <span title={c.getValue()}>{c.getValue()}</span> }),
  subscription.accessor('events', { header: 'Events', cell: (c) => c.getValue().join(', ') }),
  subscription.accessor('tickers', { header: 'Tickers', cell: (c) => (c.getValue().length ? c.getValue().join(', ') : 'all'), meta: { width: 90 } }),
  subscription.accessor('createdAt', { header: 'Created (ET)', cell: (c) => formatMarketTime(c.getValue()), sortFn: 'datetime', meta: { width: 130 } }),
]);

const lastAnswer = (d: Delivery) => {
  const last = d.attempts.at(-1);
  if (!last) return '';
  return last.statusCode === null ? last.error : `${last.statusCode}${last.error ? '' : ' OK'} · ${last.durationMs} ms`;
};

const delivery = columnsFor<Delivery>();
const deliveryColumns = delivery.columns([
  delivery.accessor('createdAt', { header: 'Event (ET)', cell: (c) => formatMarketTime(c.getValue()), sortFn: 'datetime', meta: { width: 130 } }),
  delivery.accessor('event', { header: 'Type', meta: { width: 140 } }),
  delivery.accessor('status', {
    header: 'Status',
    cell: (c) => <span className={`badge ${c.getValue() === 'delivered' ? 'up' : c.getValue() === 'dead' ? 'down' : 'accent'}`}>{c.getValue()}</span>,
    meta: { width: 80 },
  }),
  delivery.accessor((d) => d.attempts.length, { id: 'tries', header: 'Tries', meta: { numeric: true, width: 50 } }),
  delivery.accessor(lastAnswer, { id: 'last', header: 'Last answer' }),
  delivery.accessor('nextAttemptAt', { header: 'Next try (ET)', cell: (c) => (c.getValue() ? formatMarketTime(c.getValue()!) : ''), meta: { width: 130 } }),
]);

export function WebhooksPanel() {
  const { can } = useSession();
  return (
    <section className="data-webhooks" aria-label="Webhooks">
      {can('webhooks') ? <Webhooks /> : <MissingScope scope="webhooks" what="The webhook list" />}
    </section>
  );
}

function Webhooks() {
  const trpc = useTRPC();
  const [selected, setSelected] = useState<string | null>(null);
  const list = useQuery(trpc.webhooks.list.queryOptions(undefined, { refetchInterval: 30_000 }));
  const deliveries = useQuery(
    trpc.webhooks.deliveries.queryOptions(
      { id: selected ?? '', limit: DELIVERIES_SHOWN },
      { enabled: selected !== null, refetchInterval: (q) => (q.state.data?.deliveries.some((d) => d.status === 'pending') ? 5_000 : 30_000) },
    ),
  );
  // The section is small: the selected webhook's log replaces the list rather than sharing the space.
  if (selected) {
    return (
      <>
        <div className="toolbar">
          <h3 className="section-title flush">Webhook deliveries</h3>
          <span className="muted">{list.data?.webhooks.find((w) => w.id === selected)?.url}</span>
          <div className="toolbar-spacer" />
          <button type="button" className="btn small" onClick={() => setSelected(null)}>
            All webhooks
          </button>
        </div>
        <QueryView query={deliveries} label="Loading deliveries">
          {(data) => <DataTable label="Webhook deliveries" columns={deliveryColumns} data={data.deliveries} rowId={(d) => d.id} empty="Nothing delivered yet." />}
        </QueryView>
      </>
    );
  }
  return (
    <>
      <div className="toolbar">
        <h3 className="section-title flush">Webhooks</h3>
        <span className="muted">subscribe with POST /api/webhooks; select one for its deliveries</span>
      </div>
      <QueryView query={list} label="Loading webhooks">
        {(data) => (
          <DataTable label="Webhooks" columns={subscriptionColumns} data={data.webhooks} rowId={(w) => w.id} onRowClick={(w) => setSelected(w.id)} empty="No webhook subscriptions." />
        )}
      </QueryView>
    </>
  );
}
