// The one place errors meet transports. Whatever the layers below throw - a DomainError from a
// service or repository, a pg or Prisma error, a body-parser error - becomes a TRPCError with the
// right code, and through that code the HTTP status of REST answers (trpc-to-openapi) and of the
// Express error handler, with a message safe to show a client. Request validation needs no
// mapping: tRPC's input parser answers BAD_REQUEST with the ZodError as cause, whose issues become
// `details` here. A ZodError anywhere else (a failed output check) is a bug: 500.
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { ZodError } from 'zod';
import { DATABASE_UNAVAILABLE_MESSAGE, errorCode, isConnectionFailure } from './db/availability';
import { DomainError, type DomainErrorKind, type FieldIssue } from './shared/domain-error';
import { MAX_JSON_DEPTH } from './shared/limits';

type TRPCCode = TRPCError['code'];

const CODE_OF_KIND: Readonly<Record<DomainErrorKind, TRPCCode>> = {
  'not-found': 'NOT_FOUND',
  conflict: 'CONFLICT',
  invalid: 'BAD_REQUEST',
  unauthenticated: 'UNAUTHORIZED',
  unprocessable: 'UNPROCESSABLE_CONTENT',
  precondition: 'PRECONDITION_FAILED',
  unavailable: 'SERVICE_UNAVAILABLE',
};

const DUPLICATE = { code: 'CONFLICT', message: 'A record with the same key already exists' } as const;
const MISSING_REFERENCE = { code: 'BAD_REQUEST', message: 'A referenced record does not exist' } as const;
const BROKEN_RULE = { code: 'BAD_REQUEST', message: 'A value breaks a data rule (out of range or malformed)' } as const;

/** Requests the database refused (SQLSTATE or Prisma code): the client's to fix, not faults. */
const REFUSED: Readonly<Record<string, { code: TRPCCode; message: string }>> = {
  '23505': DUPLICATE, // unique_violation
  P2002: DUPLICATE,
  '23503': MISSING_REFERENCE, // foreign_key_violation
  P2003: MISSING_REFERENCE,
  '23514': BROKEN_RULE, // check_violation
  '23502': BROKEN_RULE, // not_null_violation
  '22P02': BROKEN_RULE, // invalid_text_representation
  '22003': BROKEN_RULE, // numeric_value_out_of_range
  '22008': BROKEN_RULE, // datetime_field_overflow: an instant outside timestamptz's range (before 4713 BC)
  '22021': BROKEN_RULE, // character_not_in_repertoire: a NUL byte in text
  '22P05': BROKEN_RULE, // untranslatable_character: \u0000 in jsonb
  P2025: { code: 'NOT_FOUND', message: 'Not found' }, // Prisma: the record to update or delete does not exist
};

/** JSON body failures (express.json() and the depth cap of http/json-body.ts), which reach the Express error handler with a `type`. */
const BODY_ERRORS: Readonly<Record<string, { code: TRPCCode; message: string }>> = {
  'entity.too.large': { code: 'PAYLOAD_TOO_LARGE', message: 'Request body too large' },
  'entity.parse.failed': { code: 'BAD_REQUEST', message: 'Malformed JSON body' },
  'entity.too.deep': { code: 'BAD_REQUEST', message: `JSON body nested deeper than ${MAX_JSON_DEPTH} levels` },
};

/** Other request errors of the HTTP layer (body-parser's http-errors): a 4xx `status`, `expose`d as safe to show. */
const CLIENT_ERROR_CODES: Readonly<Record<number, TRPCCode>> = { 413: 'PAYLOAD_TOO_LARGE', 415: 'UNSUPPORTED_MEDIA_TYPE' };

function clientHttpError(error: unknown): TRPCError | null {
  const e = error as { status?: unknown; expose?: unknown } | null;
  if (!(error instanceof Error) || e?.expose !== true || typeof e.status !== 'number' || e.status < 400 || e.status > 499) return null;
  return new TRPCError({ code: CLIENT_ERROR_CODES[e.status] ?? 'BAD_REQUEST', message: error.message, cause: error });
}

export function toTRPCError(error: unknown): TRPCError {
  if (error instanceof TRPCError) return error;
  if (error instanceof DomainError) return new TRPCError({ code: CODE_OF_KIND[error.kind], message: error.message, cause: error });
  const bodyError = BODY_ERRORS[(error as { type?: unknown } | null)?.type as string];
  if (bodyError) return new TRPCError({ ...bodyError, cause: error });
  const clientError = clientHttpError(error);
  if (clientError) return clientError;
  if (isConnectionFailure(error)) return new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: DATABASE_UNAVAILABLE_MESSAGE, cause: error });
  const code = errorCode(error);
  const refused = code === undefined ? undefined : REFUSED[code];
  if (refused) return new TRPCError({ ...refused, cause: error });
  return new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'Internal error', cause: error });
}

/** The fields at fault: zod's issues for invalid input, a DomainError's details. */
function errorDetails(error: TRPCError): FieldIssue[] | undefined {
  if (error.cause instanceof ZodError) {
    return error.code === 'BAD_REQUEST' ? error.cause.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) : undefined;
  }
  return error.cause instanceof DomainError ? error.cause.details : undefined;
}

/** The error body every client sees (REST, tRPC, the Express error handler): `{ success: false, error, details? }`. */
export function errorBody(error: TRPCError): { success: false; error: string; details: FieldIssue[] | undefined } {
  const invalidInput = error.code === 'BAD_REQUEST' && error.cause instanceof ZodError;
  return { success: false, error: invalidInput ? 'Invalid input' : error.message, details: errorDetails(error) };
}

/** What the Express error handler answers for an error thrown outside tRPC. */
export function toHttpError(error: unknown): { status: number; error: TRPCError; body: ReturnType<typeof errorBody> } {
  const mapped = toTRPCError(error);
  return { status: getHTTPStatusCodeFromError(mapped), error: mapped, body: errorBody(mapped) };
}
