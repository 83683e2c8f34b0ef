// The sign-in screen: paste an API key (or arrive through the one-time link the server prints,
// which sets the cookie before the SPA even loads).
import { useState, type FormEvent } from 'react';
import { signIn } from './session';
import './auth.css';

const MESSAGES = {
  rejected: 'That key was not accepted. Check it, or ask an admin for a new one.',
  'rate-limited': 'Too many attempts. Wait a minute and try again.',
} as const;

export function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [apiKey, setApiKey] = useState('');
  const [busy, setBusy] = useState(false);
  // The server redirects a used or expired one-time link to /?signin=expired.
  const [error, setError] = useState<string | null>(() =>
    new URLSearchParams(window.location.search).get('signin') === 'expired' ? 'That sign-in link has expired or was already used. Sign in with a key.' : null,
  );

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const result = await signIn(apiKey.trim());
      if (result === 'ok') {
        window.history.replaceState(null, '', window.location.pathname);
        onSignedIn();
      }
      else setError(MESSAGES[result]);
    } catch (e) {
      setError(e instanceof Error ? e.message : 'Sign-in failed');
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="signin">
      <form className="signin-card" onSubmit={submit} aria-labelledby="signin-title">
        <div className="signin-brand">
          <span className="brand-mark" aria-hidden="true" />
          <h1 id="signin-title">Quantbase</h1>
        </div>
        <p className="muted">Sign in with an API key. The server also prints a one-time sign-in link when it starts.</p>
        <label className="field">
          API key
          <input
            className="input"
            type="password"
            name="apiKey"
            autoComplete="off"
            spellCheck={false}
            placeholder="qb_…"
            value={apiKey}
            onChange={(e) => setApiKey(e.target.value)}
            autoFocus
            required
          />
        </label>
        {error && (
          <p className="signin-error" role="alert" data-state="error">
            {error}
          </p>
        )}
        <button type="submit" className="btn primary" disabled={busy || apiKey.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
