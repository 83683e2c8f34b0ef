// Who is calling, as every layer sees it: the HTTP layer resolves it, tRPC procedures and the
// streamed reads check its scopes, the auth service builds it from a key or a session.

/** An API key, presented directly (bots) or through a session cookie (SPA). */
export interface Principal {
  keyId: string;
  name: string;
  prefix: string;
  scopes: ReadonlySet<string>;
}

/** `admin` holds every scope. */
export function hasScope(principal: Principal, scope: string): boolean {
  return principal.scopes.has(scope) || principal.scopes.has('admin');
}
