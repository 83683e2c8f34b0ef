// The signed-in key as the SPA sees it (auth.me): its name, visible prefix and scopes. Controls ask
// `can(scope)` before they render; the server enforces the same scopes on every call anyway.
import { createContext, useCallback, useContext, type ReactNode } from 'react';
import type { Scope } from '../../../server/auth/schema';
import { Empty } from '../app/states';
import type { RouterOutputs } from '../trpc';

export type Me = NonNullable<RouterOutputs['auth']['me']>;

interface Session {
  me: Me;
  /** Whether the key holds `scope` (admin implies every scope, as on the server). */
  can: (scope: Scope) => boolean;
  signOut: () => Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ me, signOut, children }: { me: Me; signOut: () => Promise<void>; children: ReactNode }) {
  // Stable while the scopes are: the live provider recomputes its channels when it changes.
  const can = useCallback((scope: Scope) => me.scopes.includes(scope) || me.scopes.includes('admin'), [me.scopes]);
  return <SessionContext.Provider value={{ me, can, signOut }}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside <SessionProvider>');
  return session;
}

/** Renders children only when the key holds the scope; `fallback` otherwise. */
export function Can({ scope, children, fallback = null }: { scope: Scope; children: ReactNode; fallback?: ReactNode }) {
  return <>{useSession().can(scope) ? children : fallback}</>;
}

/** What a panel shows instead of data the key may not read (rather than asking and showing a 403). */
export function MissingScope({ scope, what }: { scope: Scope; what: string }) {
  return (
    <Empty>
      {what} needs a key with the {scope} scope.
    </Empty>
  );
}

/** POST /auth/login: the server sets an HttpOnly cookie; nothing secret stays in JS. */
export async function signIn(apiKey: string): Promise<'ok' | 'rejected' | 'rate-limited'> {
  const response = await fetch('/auth/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    credentials: 'same-origin',
    body: JSON.stringify({ apiKey }),
  });
  if (response.ok) return 'ok';
  if (response.status === 429) return 'rate-limited';
  if (response.status === 401 || response.status === 400) return 'rejected';
  throw new Error(`Sign-in failed (HTTP ${response.status})`);
}

export async function signOutRequest(): Promise<void> {
  await fetch('/auth/logout', { method: 'POST', credentials: 'same-origin' });
}
