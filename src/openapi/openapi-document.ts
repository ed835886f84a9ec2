import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { OperationObject, ResponseObject } from '@nestjs/swagger';
import { SERVICE_VERSION } from '../service-info.js';
import { ONLY_WITH_PATH_PARAMETER, PATH_USER_PARAMETER, PUBLIC_OPERATION } from './api-route.decorator.js';
import { fitTemporaryIds, MUTATION_SCHEMAS } from '../sync/dto/push.dto.js';
import { PROBLEM_SCHEMAS } from './problem.schema.js';

/** Tags in the order Swagger UI shows them, each with what a reader finds under it. */
const TAGS: [string, string][] = [
  ['auth', "The service's own accounts and sessions: sign up or in, then send `token` as a bearer token"],
  ['tasks', "The signed-in user's tasks, under `/api/tasks` or, equivalently, `/api/{userId}/tasks`"],
  ['categories', "The signed-in user's categories, under `/api/categories` or `/api/{userId}/categories`"],
  [
    'lists',
    'Lists of tasks, shared with members by invitation codes: under `/api/lists` or `/api/{userId}/lists`; a list you are not a member of is 404 everywhere',
  ],
  ['sync', 'Delta sync and live events: every device of a user in step'],
  ['service', 'Where the docs and the health check are'],
  ['health', 'For load balancers and uptime checks'],
];

/**
 * The OpenAPI document: served at /docs-json, written to openapi/openapi.json by `npm run openapi`
 * (from a preview app that never connects to the database), and the source of the frontend's types.
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Todo API')
    .setDescription(
      'Tasks for a Next.js todo app. Sign up or sign in under `auth`, press **Authorize** and paste the `token`. ' +
        'Tokens from Better Auth (jwt plugin) are accepted too. Every error is an RFC 9457 problem document ' +
        '(`application/problem+json`); a 422 names each field at fault in `errors`, one message per field. ' +
        'JSON `null` is accepted only where a field is documented as nullable; a `null` body is 422.',
    )
    .setVersion(SERVICE_VERSION)
    .setLicense('MIT', 'https://opensource.org/license/mit')
    .addServer('/', 'The server this document is served from')
    // Secure by default, like the global JwtAuthGuard; @Public() routes say `security: []`.
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .addSecurityRequirements('bearer');
  for (const [name, description] of TAGS) builder.addTag(name, description);
  const document = SwaggerModule.createDocument(app, builder.build(), {
    // Only for a handler without @ApiOperation({ operationId }): `Tasks_list`, never `TasksController_list[1]`
    // (fitRouteFamilies makes the second family's unique).
    operationIdFactory: (controller, method) =>
      `${controller.replace(/Controller$/, '')}_${method.replace(/\[\d+\]$/, '')}`,
  });
  document.components = {
    ...document.components,
    schemas: { ...document.components?.schemas, ...PROBLEM_SCHEMAS, ...MUTATION_SCHEMAS },
  };
  fitTemporaryIds(document.components.schemas!);
  fitRouteFamilies(document);
  markPublicOperations(document);
  return document;
}

/**
 * A controller mounted on several paths (`/api/tasks` and `/api/{userId}/tasks`) gets its @ApiParam
 * and its responses on every one of them. OpenAPI wants exactly the parameters in the path, all
 * required (generated clients otherwise demand a `userId` for `/api/tasks`); a response marked as
 * belonging to a path parameter (the 403 of OwnershipGuard) stays only where that parameter is; and
 * operationIds must be unique, so the `{userId}` family's end in `ForUser` (`listTasksForUser`).
 */
function fitRouteFamilies(document: OpenAPIObject): void {
  for (const [path, item] of Object.entries(document.paths)) {
    const inPath = (name: string) => path.includes(`{${name}}`);
    for (const operation of Object.values(item) as OperationObject[]) {
      if (typeof operation !== 'object' || operation === null || !('responses' in operation)) continue;
      const parameters = operation.parameters;
      if (Array.isArray(parameters)) {
        operation.parameters = parameters
          .filter((p) => !('in' in p) || p.in !== 'path' || inPath(p.name))
          .map((p) => ('in' in p && p.in === 'path' ? { ...p, required: true } : p));
      }
      for (const [status, response] of Object.entries(operation.responses)) {
        // Both paths share one response object: it is replaced, never changed in place.
        const { [ONLY_WITH_PATH_PARAMETER]: only, ...unmarked } = response as ResponseObject & Record<string, unknown>;
        if (typeof only !== 'string') continue;
        if (inPath(only)) operation.responses[status] = unmarked;
        else delete operation.responses[status];
      }
      if (operation.operationId && inPath(PATH_USER_PARAMETER)) operation.operationId += 'ForUser';
    }
  }
}

/** @Public() routes (ApiPublic's mark) need no token: `security: []`. */
function markPublicOperations(document: OpenAPIObject): void {
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item) as (OperationObject & Record<string, unknown>)[]) {
      if (typeof operation !== 'object' || operation === null || !(PUBLIC_OPERATION in operation)) continue;
      delete operation[PUBLIC_OPERATION];
      operation.security = [];
    }
  }
}

/** The committed file's exact text, so a regenerated document compares equal when nothing changed. */
export function serializeOpenApiDocument(document: OpenAPIObject): string {
  return JSON.stringify(document, null, 2) + '\n';
}
