// One structured JSON logger for the whole process (pino). Secrets are redacted by path so an
// accidental `log.info({ req })` never prints a key or a cookie.
import { pino } from 'pino';

export const logger = pino({
  level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info'),
  redact: {
    paths: [
      'req.headers.authorization',
      'req.headers.cookie',
      'req.headers["x-api-key"]',
      'res.headers["set-cookie"]',
      '*.password',
      '*.apiKey',
      'apiKey',
      'databaseUrl',
    ],
    censor: '[redacted]',
  },
});

export type Logger = typeof logger;
