// One error model: whatever a layer throws becomes a TRPCError with the right code (and so the
// right HTTP status on REST), with a message safe to show a client.
import { TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import { InvalidBarError } from './market-data/repository';

/** Connection-level failures: the database is unreachable or restarting → 503. */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006', 'P1001', 'P1002', 'P1017']);

function codeOf(error: unknown): string | undefined {
  const e = error as { code?: unknown; cause?: unknown; originalCode?: unknown };
  if (typeof e?.code === 'string') return e.code;
  if (typeof e?.originalCode === 'string') return e.originalCode;
  return e?.cause ? codeOf(e.cause) : undefined;
}

export function toTRPCError(error: unknown): TRPCError {
  if (error instanceof TRPCError) return error;
  if (error instanceof ZodError) return new TRPCError({ code: 'BAD_REQUEST', message: 'Invalid input', cause: error });
  if (error instanceof InvalidBarError) {
    return new TRPCError({
      code: 'BAD_REQUEST',
      message: error.message,
      cause: Object.assign(error, { details: [{ path: `bars.${error.index}.${error.field}`, message: error.reason }] }),
    });
  }
  const code = codeOf(error);
  const message = error instanceof Error ? error.message : '';
  if ((code && UNAVAILABLE_CODES.has(code)) || /connect(ion)? (timeout|terminated)|timeout exceeded when trying to connect|Connection terminated/i.test(message)) {
    return new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: 'The database is unavailable; retry shortly' });
  }
  switch (code) {
    case '23505':
    case 'P2002':
      return new TRPCError({ code: 'CONFLICT', message: 'A record with the same key already exists' });
    case 'P2025':
      return new TRPCError({ code: 'NOT_FOUND', message: 'Not found' });
    case '23503':
    case 'P2003':
      return new TRPCError({ code: 'BAD_REQUEST', message: 'A referenced record does not exist' });
    case '23514':
    case '22P02':
    case '22003':
      return new TRPCError({ code: 'BAD_REQUEST', message: 'A value breaks a data rule (out of range or malformed)' });
    default:
      return new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'Internal error' });
  }
}
