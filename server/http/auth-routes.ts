// Sign-in for the SPA: exchange an API key (or a one-time link's token) for an HttpOnly,
// SameSite=Strict session cookie. The key itself never lives in the browser's JavaScript.
import express, { type Request, type Response } from 'express';
import type { AuthService } from '../auth/service';
import { LoginBodySchema } from '../auth/schema';
import { SESSION_COOKIE } from './authenticate';

function setSessionCookie(req: Request, res: Response, session: { token: string; expiresAt: Date }) {
  res.cookie(SESSION_COOKIE, session.token, {
    httpOnly: true,
    sameSite: 'strict',
    secure: req.secure,
    path: '/',
    expires: session.expiresAt,
  });
}

export function authRoutes(auth: AuthService): express.Router {
  const routes = express.Router();

  routes.post('/login', express.json({ limit: '4kb' }), async (req, res, next) => {
    try {
      const body = LoginBodySchema.safeParse(req.body);
      if (!body.success) {
        res.status(400).json({ success: false, error: 'Invalid input', details: [{ path: 'apiKey', message: 'apiKey is required' }] });
        return;
      }
      const session = await auth.signIn(body.data.apiKey.trim());
      if (!session) {
        res.status(401).json({ success: false, error: 'Invalid, expired or revoked API key' });
        return;
      }
      setSessionCookie(req, res, session);
      res.status(204).end();
    } catch (error) {
      next(error);
    }
  });

  routes.get('/one-time', async (req, res, next) => {
    try {
      const token = typeof req.query.token === 'string' ? req.query.token : '';
      const session = token ? await auth.signInWithToken(token) : null;
      if (!session) {
        res.redirect(302, '/?signin=expired');
        return;
      }
      setSessionCookie(req, res, session);
      res.redirect(302, '/');
    } catch (error) {
      next(error);
    }
  });

  routes.post('/logout', async (req, res, next) => {
    try {
      const token = (req.cookies as Record<string, string> | undefined)?.[SESSION_COOKIE];
      if (token) await auth.signOut(token);
      res.clearCookie(SESSION_COOKIE, { path: '/' });
      res.status(204).end();
    } catch (error) {
      next(error);
    }
  });

  return routes;
}
