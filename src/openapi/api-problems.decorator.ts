import { applyDecorators } from '@nestjs/common';
import { ApiResponse, type ApiResponseOptions } from '@nestjs/swagger';
import type { HeaderObject } from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE } from '../common/problem.js';

/**
 * Every error status the service sends, described once: the problem filter (src/common/problem.ts)
 * writes all of them, so each has one meaning and one schema wherever it occurs. Route decorators
 * (api-route.decorator.ts) pick the statuses a kind of route can return; nothing lists them by hand.
 */
export type ProblemStatus = 400 | 401 | 403 | 404 | 409 | 410 | 412 | 413 | 415 | 422 | 429 | 503;

export const WWW_AUTHENTICATE: HeaderObject = {
  description: '`Bearer`, or `Bearer error="invalid_token"` when the request carried a token that failed (RFC 6750)',
  schema: { type: 'string' },
};

export const RETRY_AFTER: HeaderObject = {
  description: 'Whole seconds to wait before trying again',
  schema: { type: 'integer', minimum: 1 },
};

const PROBLEMS: Record<ProblemStatus, { description: string; headers?: Record<string, HeaderObject> }> = {
  400: { description: 'Malformed request: the body is not valid JSON, or a header such as If-Match is malformed' },
  401: {
    description: 'Not signed in: no token, or one that is invalid, expired or revoked',
    headers: { 'WWW-Authenticate': WWW_AUTHENTICATE },
  },
  403: { description: "The user in the path is not the token's user" },
  404: { description: "No such resource, or another user's: the two are not told apart" },
  409: { description: 'Conflicts with an existing resource' },
  410: { description: 'What the request names is no longer kept' },
  412: { description: 'If-Match names no current version (the resource changed since): nothing was changed' },
  413: { description: 'The body is larger than 64 KiB' },
  415: { description: 'The body has a content type this route does not accept' },
  422: { description: 'Validation failed: `errors` names each field, query or path parameter, or header at fault' },
  429: { description: 'Too many requests: wait `Retry-After` seconds', headers: { 'Retry-After': RETRY_AFTER } },
  503: { description: 'The database is unavailable, or the request took too long; try again shortly' },
};

/** The response object for an error status, for a decorator or for a document built by hand. */
export function problemResponse(status: ProblemStatus, description?: string): ApiResponseOptions {
  const { description: standard, headers } = PROBLEMS[status];
  const schema = { $ref: `#/components/schemas/${status === 422 ? 'ValidationProblem' : 'Problem'}` };
  return {
    status,
    description: description ?? standard,
    ...(headers ? { headers } : {}),
    content: { [PROBLEM_CONTENT_TYPE]: { schema } },
  };
}

/** Documents error statuses with the shared problem+json schema (and headers: 401, 429). */
export function ApiProblems(...statuses: ProblemStatus[]): MethodDecorator & ClassDecorator {
  return applyDecorators(...statuses.map((status) => ApiResponse(problemResponse(status))));
}

/** One error status with a sentence of this route's own (e.g. what conflicts on a 409). */
export function ApiProblem(status: ProblemStatus, description: string): MethodDecorator & ClassDecorator {
  return ApiResponse(problemResponse(status, description));
}
