// API keys (admin): who can reach the API with which scopes; create a key (its secret is shown
// once, here) or revoke one behind a confirmation.
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Scope } from '../../../server/auth/schema';
import { KEY_NAME_MAX_LENGTH } from '../../../server/shared/limits';
import { DataTable, columnsFor } from '../app/DataTable';
import { formatAge, formatMarketTime } from '../app/format';
import { ConfirmDialog } from '../app/Modal';
import { InlineError, QueryView, describeError } from '../app/states';
import { useTRPC, type RouterOutputs } from '../trpc';
import { useSession } from './session';
import './auth.css';

type Key = RouterOutputs['auth']['keys']['list'][number];

// Typed as a record over the server's Scope, so a new scope fails to compile until it is described.
const SCOPE_HELP: Record<Scope, string> = {
  'market:read': 'read bars, features, coverage',
  'market:write': 'write bars',
  'predictions:read': 'read predictions, accuracy, models',
  'predictions:write': 'push predictions',
  'models:write': 'register and deploy models',
  'trading:read': 'read signals, portfolio, history',
  'trading:execute': 'place paper orders',
  webhooks: 'subscribe URLs to events (each event also needs its read scope)',
  admin: 'everything, including keys and ingestion',
};
const SCOPES = Object.keys(SCOPE_HELP) as Scope[];

export default function KeysView() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { me } = useSession();
  const keys = useQuery(trpc.auth.keys.list.queryOptions());
  const [revoking, setRevoking] = useState<Key | null>(null);
  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.auth.keys.pathKey() });
  const revoke = useMutation(trpc.auth.keys.revoke.mutationOptions({ onSuccess: async () => { setRevoking(null); await invalidate(); } }));

  const col = columnsFor<Key>();
  const columns = col.columns([
    col.accessor('name', { header: 'Name' }),
    col.accessor('prefix', { header: 'Prefix', cell: (c) => <span className="num">{c.getValue()}…</span>, meta: { width: 110 } }),
    col.accessor((k) => k.scopes.join(', '), { id: 'scopes', header: 'Scopes' }),
    col.accessor('createdAt', { header: 'Created (ET)', cell: (c) => formatMarketTime(c.getValue()), sortFn: 'datetime', meta: { width: 130 } }),
    col.accessor('lastUsedAt', { header: 'Last used', cell: (c) => (c.getValue() ? formatAge(c.getValue()!) : 'never'), sortFn: 'datetime', meta: { width: 90 } }),
    col.accessor((k) => (k.revokedAt ? 'revoked' : k.expiresAt && k.expiresAt < new Date() ? 'expired' : 'active'), {
      id: 'state',
      header: 'State',
      cell: (c) => <span className={`badge ${c.getValue() === 'active' ? 'up' : 'down'}`}>{c.getValue()}</span>,
      meta: { width: 80 },
    }),
    col.display({
      id: 'actions',
      header: () => <span className="visually-hidden">Actions</span>,
      // Revoking the key this session runs on would sign the admin out mid-task.
      cell: ({ row: { original: k } }) =>
        k.prefix === me.keyPrefix ? (
          <span className="muted">this session</span>
        ) : k.revokedAt ? null : (
          <button type="button" className="btn small danger" aria-label={`Revoke ${k.name}`} onClick={() => { revoke.reset(); setRevoking(k); }}>
            Revoke
          </button>
        ),
      meta: { width: 80 },
    }),
  ]);

  return (
    <div className="keys-view">
      <QueryView query={keys} label="Loading keys">
        {(data) => <DataTable label="API keys" columns={columns} data={data} rowId={(k) => k.id} initialSorting={[{ id: 'createdAt', desc: true }]} />}
      </QueryView>
      <CreateKey onCreated={invalidate} />
      {revoking && (
        <ConfirmDialog
          title="Revoke API key"
          confirmLabel="Revoke"
          danger
          busy={revoke.isPending}
          error={revoke.error && describeError(revoke.error)}
          onConfirm={() => revoke.mutate({ id: revoking.id })}
          onCancel={() => setRevoking(null)}
        >
          <p>
            Revoke <strong>{revoking.name}</strong> ({revoking.prefix}…)? Bots and sessions using it stop working at once.
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}

function CreateKey({ onCreated }: { onCreated: () => Promise<void> }) {
  const trpc = useTRPC();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Scope[]>(['market:read', 'predictions:read']);
  const create = useMutation(trpc.auth.keys.create.mutationOptions({ onSuccess: () => onCreated() }));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ name: name.trim(), scopes });
  };

  return (
    <form className="key-form" onSubmit={submit} aria-label="Create API key">
      <h3 className="section-title flush">New key</h3>
      <label className="field">
        Key name
        <input className="input" value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. trading-bot" required maxLength={KEY_NAME_MAX_LENGTH} />
      </label>
      <fieldset className="scope-list">
        <legend className="visually-hidden">Scopes</legend>
        {SCOPES.map((scope) => (
          <label key={scope} className="check" title={SCOPE_HELP[scope]}>
            <input type="checkbox" checked={scopes.includes(scope)} onChange={(e) => setScopes(e.target.checked ? [...scopes, scope] : scopes.filter((s) => s !== scope))} />
            <span>
              {scope} <span className="muted">· {SCOPE_HELP[scope]}</span>
            </span>
          </label>
        ))}
      </fieldset>
      <button type="submit" className="btn primary" disabled={create.isPending || name.trim() === '' || scopes.length === 0}>
        {create.isPending ? 'Creating…' : 'Create key'}
      </button>
      {create.isError && <InlineError block>{describeError(create.error)}</InlineError>}
      {create.data && (
        <div className="new-key" role="status">
          <span>
            Key for <strong>{create.data.info.name}</strong>. Copy it now; it is not shown again:
          </span>
          <input className="input num" readOnly value={create.data.key} aria-label="New API key" onFocus={(e) => e.target.select()} />
          <button type="button" className="btn small" onClick={() => void navigator.clipboard?.writeText(create.data.key)}>
            Copy
          </button>
        </div>
      )}
    </form>
  );
}
