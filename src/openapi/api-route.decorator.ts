import { applyDecorators, type Type } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiCreatedResponse,
  ApiExtension,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiParam,
  ApiResponse,
} from '@nestjs/swagger';
import type { HeaderObject } from '@nestjs/swagger';
import { ApiProblems, problemResponse } from './api-problems.decorator.js';

/**
 * The OpenAPI description of each kind of route, composed once so that a controller states what a
 * handler is (a read, a create, a conditional update...) and gets every status, header and
 * constraint that kind of route has. A new resource controller uses the same decorators.
 */

/** The name of the path parameter that marks the `/api/{userId}/...` route family. */
export const PATH_USER_PARAMETER = 'userId';

/**
 * Marks a response that exists only on paths with this parameter; openapi-document.ts removes it
 * from the other path of a controller mounted on both families, then drops the mark.
 */
export const ONLY_WITH_PATH_PARAMETER = 'x-only-with-path-parameter';

const MAX_ID = 2_147_483_647;

const ETAG: HeaderObject = {
  description: "The resource's strong entity tag: send it back in If-Match to update only that version",
  schema: { type: 'string', example: '"42-3"' },
};
const PAGE_ETAG: HeaderObject = {
  description: 'A weak tag of this page: it changes when an item, the membership or the total does',
  schema: { type: 'string', example: 'W/"h0R5T6bG"' },
};
const LOCATION: HeaderObject = {
  description: 'The path of the new resource, under the route family the request used',
  schema: { type: 'string', format: 'uri-reference', example: '/api/tasks/42' },
};

/**
 * Marks an operation open to anyone; openapi-document.ts turns the mark into `security: []`, which
 * overrides the document's default (a bearer token). A mark, because @nestjs/swagger drops an empty
 * security list on a method.
 */
export const PUBLIC_OPERATION = 'x-public-operation';

export const ApiPublic = () => ApiExtension(PUBLIC_OPERATION, true);

/** Behind the global JwtAuthGuard (401 without a valid token); reads the database (503). */
export const ApiAuthenticated = () => applyDecorators(ApiBearerAuth(), ApiProblems(401, 503));

/**
 * A controller mounted on `/api/...` and `/api/{userId}/...`: the path's user must be the token's
 * (OwnershipGuard), so those paths, and only those, can answer 403.
 */
export const ApiPathUser = () =>
  applyDecorators(
    ApiParam({
      name: PATH_USER_PARAMETER,
      required: false,
      schema: { type: 'string', minLength: 1 },
      description: "Must equal the token's user id (`sub`), else 403",
    }),
    ApiResponse(Object.assign(problemResponse(403), { [ONLY_WITH_PATH_PARAMETER]: PATH_USER_PARAMETER })),
  );

/** A resource id in the path: a positive 32-bit integer, else 422; absent or not yours, 404. */
export const ApiResourceId = (name = 'id') =>
  applyDecorators(
    ApiParam({ name, schema: { type: 'integer', minimum: 1, maximum: MAX_ID }, description: 'The resource id' }),
    ApiProblems(404, 422),
  );

/**
 * A JSON body of `type` (also form-encoded where the route consumes it). With `required: false` the
 * body may be left out, or sent empty, and the handler sees no fields; JSON `null` is still 422.
 */
export const ApiJsonBody = (type: Type, { required = true } = {}) =>
  applyDecorators(ApiBody({ type, required }), ApiProblems(400, 413, 415, 422));

/**
 * A route that reads no body: Fastify still parses one when sent (DELETE), so a malformed, oversized
 * or wrongly typed body is refused before the handler.
 */
export const ApiIgnoredBody = () => ApiProblems(400, 413, 415);

/** Honours If-Match: a stale tag is 412 and nothing changes; a malformed header is 400. */
export const ApiIfMatch = () =>
  applyDecorators(
    ApiHeader({
      name: 'If-Match',
      required: false,
      description:
        'The ETag of the version you have (or `*`): the request applies only if the resource is still at that version, else 412',
      // What IfMatchPipe accepts (RFC 9110 entity-tag lists), so a client-side check agrees with the 400.
      schema: { type: 'string', minLength: 1, pattern: '^[ \\t]*(\\*|(W/)?"[!#-~]*"([ \\t]*,[ \\t]*(W/)?"[!#-~]*")*)[ \\t]*$' },
    }),
    ApiProblems(400, 412),
  );

/** May carry Idempotency-Key: a retry returns the first result; a malformed key, or another body, is 422. */
export const ApiIdempotencyKey = () =>
  applyDecorators(
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Up to 255 visible ASCII characters, kept 24 hours per user: a retry with the same key and body returns the first result and creates nothing; the same key with another body is 422',
      schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' },
    }),
    ApiProblems(422),
  );

/** Rate limited per client address (and per email on sign-in): 429 with Retry-After. */
export const ApiRateLimited = () => ApiProblems(429);

/** 200 with a resource and its ETag. */
export const ApiResourceOk = (type: Type) => ApiOkResponse({ type, headers: { ETag: ETAG } });

/** 201 with the new resource, its ETag and its Location. */
export const ApiResourceCreated = (type: Type) => ApiCreatedResponse({ type, headers: { ETag: ETAG, Location: LOCATION } });

/** The kinds of route a user-owned resource has (tasks, categories), each with all it can answer. */
export const ApiListRoute = (page: Type, { query = true } = {}) =>
  applyDecorators(
    ApiOkResponse({ type: page, headers: { ETag: PAGE_ETAG } }),
    // A list without query parameters (categories) validates nothing, so it has no 422 to document.
    ...(query ? [ApiProblems(422)] : []),
  );

/**
 * A route over every resource a query's filters match (a summary, a bulk action): 200 with counts,
 * which are no resource and so carry no ETag; a filter that breaks a rule is 422.
 */
export const ApiFilteredRoute = (result: Type) => applyDecorators(ApiOkResponse({ type: result }), ApiProblems(422));

export const ApiCreateRoute = (resource: Type, body: Type) =>
  applyDecorators(ApiResourceCreated(resource), ApiJsonBody(body));

export const ApiReadRoute = (resource: Type) => applyDecorators(ApiResourceId(), ApiResourceOk(resource));

export const ApiUpdateRoute = (resource: Type, body: Type, { bodyRequired = false } = {}) =>
  applyDecorators(ApiResourceId(), ApiIfMatch(), ApiJsonBody(body, { required: bodyRequired }), ApiResourceOk(resource));

export const ApiDeleteRoute = () =>
  applyDecorators(
    ApiResourceId(),
    ApiIfMatch(),
    ApiIgnoredBody(),
    ApiNoContentResponse({ description: 'Deleted: nothing is sent back' }),
  );
