// Loading, empty and error states, shared by every panel so they look and read the same
// everywhere. `QueryView` picks the right one for a TanStack query and renders data otherwise.
// Every error state carries role="alert" and data-state="error" (the e2e error sweep looks for
// them); loading ones carry aria-busy until they are done.
import type { ReactNode } from 'react';
import type { UseQueryResult } from '@tanstack/react-query';
import { errorCode } from '../trpc';
import './states.css';

export function Loading({ label = 'Loading' }: { label?: string }) {
  return (
    <div className="state" role="status" aria-live="polite" aria-busy="true">
      <span className="spinner" aria-hidden="true" />
      <span>{label}…</span>
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return (
    <div className="state" role="status">
      <span className="muted">{children}</span>
    </div>
  );
}

/** Turns an API error into a sentence an analyst can act on. */
export function describeError(error: unknown): string {
  switch (errorCode(error)) {
    case 'FORBIDDEN':
      return 'Your key does not allow this.';
    case 'UNAUTHORIZED':
      return 'Your session has ended. Sign in again.';
    case 'NOT_FOUND':
      return 'Not found.';
    case 'TOO_MANY_REQUESTS':
      return 'Rate limit reached. Try again in a minute.';
    default:
      return error instanceof Error && error.message ? error.message : 'Something went wrong.';
  }
}

export function ErrorState({ error, retry }: { error: unknown; retry?: () => void }) {
  return (
    <div className="state error" role="alert" data-state="error">
      <span>{describeError(error)}</span>
      {retry && (
        <button type="button" className="btn small" onClick={retry}>
          Retry
        </button>
      )}
    </div>
  );
}

/** An error line in a form, dialog or panel header: announced, and marked like every error state. */
export function InlineError({ children, block = false }: { children: ReactNode; block?: boolean }) {
  const Tag = block ? 'p' : 'span';
  return (
    <Tag className="down" role="alert" data-state="error">
      {children}
    </Tag>
  );
}

interface QueryViewProps<T, E> {
  query: UseQueryResult<T, E>;
  /** What is loading, for the spinner's text. */
  label?: string;
  /** When data is there but has nothing to show: the empty-state message. */
  empty?: (data: T) => ReactNode | false;
  children: (data: T) => ReactNode;
}

export function QueryView<T, E>({ query, label, empty, children }: QueryViewProps<T, E>) {
  if (query.isPending) return <Loading label={label} />;
  if (query.isError) return <ErrorState error={query.error} retry={() => void query.refetch()} />;
  const emptyMessage = empty?.(query.data);
  if (emptyMessage) return <Empty>{emptyMessage}</Empty>;
  return <>{children(query.data)}</>;
}
