// The one error services and repositories throw for a request that cannot be served as asked. It
// says what went wrong in domain terms (a kind, a message, the fields at fault) and nothing about
// transports: server/errors.ts maps each kind to a tRPC code and so to an HTTP status. Anything
// else that escapes a service is either a database error (also mapped there) or a bug (500).

export type DomainErrorKind =
  /** The thing asked for does not exist (404). */
  | 'not-found'
  /** The request clashes with what is stored: a key already used, a position too small (409). */
  | 'conflict'
  /** The request breaks a rule of its own fields; `details` names them (400). */
  | 'invalid'
  /** The request does not prove who sent it: a bad or stale signature (401). */
  | 'unauthenticated'
  /** Well-formed, but the thing's current state does not allow it, e.g. cancelling a filled order (422). */
  | 'unprocessable'
  /** The server is not set up for it, e.g. no Polygon API key (412). */
  | 'precondition'
  /** A dependency is down; retrying later can succeed (503). */
  | 'unavailable';

/** A field at fault: its path in the request as the client sent it ("bars.3.high"), and why. */
export interface FieldIssue {
  path: string;
  message: string;
}

/** The common kinds have factories; the others are `new DomainError(kind, message, options)`. */
export class DomainError extends Error {
  readonly details: FieldIssue[] | undefined;

  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    options: { details?: FieldIssue[]; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'DomainError';
    this.details = options.details;
  }

  static notFound(message: string, cause?: unknown): DomainError {
    return new DomainError('not-found', message, { cause });
  }

  static conflict(message: string, cause?: unknown): DomainError {
    return new DomainError('conflict', message, { cause });
  }

  static invalid(message: string, details: FieldIssue[]): DomainError {
    return new DomainError('invalid', message, { details });
  }

  static precondition(message: string): DomainError {
    return new DomainError('precondition', message);
  }
}
