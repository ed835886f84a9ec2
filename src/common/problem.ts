import { HttpException, HttpStatus } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';

/** RFC 9457 problem details, the body of every error this service sends. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: FieldError[];
  /** Extension members (RFC 9457 section 3.2) of a problem type that has them, e.g. a push gap's `expected_id`. */
  [member: string]: unknown;
}

export interface FieldError {
  field: string;
  message: string;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** A 422 that carries per-field messages; thrown by validation (body, query and path). */
export class ValidationFailedException extends HttpException {
  constructor(
    readonly errors: FieldError[],
    detail = 'The request is not valid',
  ) {
    super({ detail, errors }, HttpStatus.UNPROCESSABLE_ENTITY);
  }
}

/** An error whose problem document carries extension members beside the standard ones. */
export class ExtendedProblemException extends HttpException {
  constructor(
    status: HttpStatus,
    detail: string,
    readonly members: Record<string, unknown>,
  ) {
    super({ detail }, status);
  }
}

/** A 429 that tells the client when to try again (`Retry-After`, in whole seconds). */
export class TooManyRequestsException extends HttpException {
  constructor(detail: string, retryAfterSeconds: number) {
    super(
      { detail, headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) } },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}

/** Errors Node raises before a request exists, answered by client-error.ts. */
const CLIENT_ERRORS: Record<string, { status: number; detail: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, detail: 'The request took too long to arrive' },
  HPE_HEADER_OVERFLOW: { status: 431, detail: 'The request headers are too large' },
};
const MALFORMED_HTTP = { status: 400, detail: 'The request is not valid HTTP' };

/** Fastify's own errors that reach the filter as they are (not as Nest HttpExceptions). */
const FASTIFY_ERRORS: Record<string, { status: number; detail: string }> = {
  FST_ERR_HANDLER_TIMEOUT: { status: 503, detail: 'The request took too long to answer; try again shortly' },
};

const DATABASE_UNAVAILABLE = { status: 503, detail: 'The database is unavailable; try again shortly' };

const POSTGRES_ERRORS: Record<string, { status: number; detail: string }> = {
  '23505': { status: 409, detail: 'The resource already exists' },
  '23502': { status: 422, detail: 'A required value is missing' },
  '23503': { status: 404, detail: 'A resource this request refers to does not exist' },
  '22P02': { status: 422, detail: 'A value in the request has the wrong format' },
  '22001': { status: 422, detail: 'A value in the request is too long' },
  '22003': { status: 422, detail: 'A number in the request is out of range' },
  '22007': { status: 422, detail: 'A date in the request is not valid' },
  '22008': { status: 422, detail: 'A date in the request is out of range' },
  '22021': { status: 422, detail: 'The request contains characters that cannot be stored' },
  '22023': { status: 422, detail: 'A value in the request is not valid' },
  '23514': { status: 422, detail: 'A value in the request breaks a constraint' },
  '57014': { status: 503, detail: 'The database took too long to answer; try again shortly' },
  '40001': { status: 503, detail: 'The request conflicted with another; try again' },
  '40P01': { status: 503, detail: 'The request conflicted with another; try again' },
  // Refused at connection time: the database is missing, not accepting connections, or our
  // credentials stopped working. Nothing the client can fix; try again later.
  '3D000': DATABASE_UNAVAILABLE,
  '28000': DATABASE_UNAVAILABLE,
  '28P01': DATABASE_UNAVAILABLE,
  '55000': DATABASE_UNAVAILABLE,
  '53300': DATABASE_UNAVAILABLE,
  '57P01': DATABASE_UNAVAILABLE,
  '57P02': DATABASE_UNAVAILABLE,
  '57P03': DATABASE_UNAVAILABLE,
  // A write reached a server that takes none: the old primary during a failover, or a standby the
  // endpoint still points at. The connection is dropped (database/connection-mode.ts); a retry
  // reaches the new primary.
  '25006': DATABASE_UNAVAILABLE,
};

/** What a violated constraint means to the client, more precisely than its SQLSTATE. */
export interface ConstraintProblem {
  status: number;
  detail: string;
  errors?: FieldError[];
}

const CONSTRAINT_ERRORS = new Map<string, ConstraintProblem>();

/**
 * Registers what a feature's constraint (by its name in the schema) means, such as a name taken;
 * a constraint not registered is answered by its SQLSTATE. Features call it beside the entity that
 * declares the constraint, and may use the returned problem's words in their OpenAPI text.
 */
export function constraintProblem(constraint: string, problem: ConstraintProblem): ConstraintProblem {
  CONSTRAINT_ERRORS.set(constraint, problem);
  return problem;
}

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'EAI_AGAIN',
]);
const CONNECTION_MESSAGES =
  /timeout exceeded when trying to connect|Connection terminated|connection timeout|Client has encountered a connection error|Cannot use a pool after calling end/i;

/**
 * What an error that is not a Nest HttpException means: Node's and Fastify's by code, PostgreSQL's by
 * registered constraint or SQLSTATE, a lost connection by code or message. Nest already turns
 * Fastify's 413 and 415 into HttpExceptions. Undefined, and so a 500 that says nothing of its cause,
 * for anything else.
 */
function knownError(error: unknown): { status: number; detail: string; errors?: FieldError[] } | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message, driverError, constraint } = error as {
    code?: unknown;
    message?: unknown;
    driverError?: unknown;
    constraint?: unknown;
  };
  if (typeof code === 'string') {
    const registered = typeof constraint === 'string' ? CONSTRAINT_ERRORS.get(constraint) : undefined;
    if (registered && /^23/.test(code)) return registered;
    if (CLIENT_ERRORS[code]) return CLIENT_ERRORS[code];
    if (FASTIFY_ERRORS[code]) return FASTIFY_ERRORS[code];
    if (code.startsWith('HPE_')) return MALFORMED_HTTP;
    if (POSTGRES_ERRORS[code]) return POSTGRES_ERRORS[code];
    if (/^08/.test(code) || CONNECTION_ERROR_CODES.has(code)) return DATABASE_UNAVAILABLE;
  }
  if (typeof message === 'string' && CONNECTION_MESSAGES.test(message)) return DATABASE_UNAVAILABLE;
  if (driverError && driverError !== error) return knownError(driverError);
  const { statusCode } = error as { statusCode?: unknown };
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500 && typeof message === 'string') {
    // Another Fastify client error we have not catalogued: its status is right, its message safe.
    return { status: statusCode, detail: message };
  }
  return undefined;
}

function detailOf(response: string | object, fallback: string): string {
  if (typeof response === 'string') return response;
  const { detail, message } = response as { detail?: unknown; message?: unknown };
  if (typeof detail === 'string') return detail;
  if (typeof message === 'string') return message;
  if (Array.isArray(message) && typeof message[0] === 'string') return message.join('; ');
  return fallback;
}

function sentence(text: string): string {
  const trimmed = text.trim();
  return trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
}

/** Turns anything thrown while serving a request into the problem document to send. */
export function toProblem(error: unknown, instance?: string): Problem {
  let status = 500;
  let detail = 'Something went wrong on our side; try again later';
  let errors: FieldError[] | undefined;
  if (error instanceof HttpException) {
    status = error.getStatus();
    const title = STATUS_CODES[status] ?? 'Error';
    detail = status >= 500 && status !== 503 ? detail : sentence(detailOf(error.getResponse(), title));
    if (error instanceof ValidationFailedException) errors = error.errors;
  } else {
    const known = knownError(error);
    if (known) ({ status, detail, errors } = known);
  }
  // Every 422 has `errors`, so a client handles one shape. It is empty only when the database
  // refused a value that validation let through, and no field can be named.
  if (status === 422) errors ??= [];
  return {
    type: 'about:blank',
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    ...(instance ? { instance } : {}),
    ...(errors ? { errors } : {}),
    ...(error instanceof ExtendedProblemException ? error.members : {}),
  };
}
