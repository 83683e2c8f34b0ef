// Resolves who is calling before anything else runs (rate limits are per key): a key in
// `Authorization: Bearer …` or `X-API-Key` (bots), or the session cookie (the SPA).
import type { NextFunction, Request, Response } from 'express';
import type { Principal } from '../auth/principal';
import type { AuthService } from '../auth/service';

export const SESSION_COOKIE = 'qb_session';

export type AuthenticatedRequest = Request & { principal?: Principal | null; authError?: string | null };

function presentedKey(req: Request): string | null {
  const header = req.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    return match?.[1] ?? '';
  }
  const apiKey = req.headers['x-api-key'];
  return typeof apiKey === 'string' ? apiKey : null;
}

export function authenticate(auth: AuthService) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const r = req as AuthenticatedRequest;
    r.principal = null;
    r.authError = null;
    try {
      const key = presentedKey(req);
      if (key !== null) {
        r.principal = await auth.verifyKey(key);
        if (!r.principal) r.authError = 'Invalid, expired or revoked API key';
      } else {
        const token = (req.cookies as Record<string, string> | undefined)?.[SESSION_COOKIE];
        if (token) {
          r.principal = await auth.verifySession(token);
          if (!r.principal) r.authError = 'Your session has expired; sign in again';
        }
      }
      next();
    } catch (error) {
      next(error);
    }
  };
}
