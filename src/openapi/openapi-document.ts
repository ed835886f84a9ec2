import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { ParameterObject, ReferenceObject } from '@nestjs/swagger';
import { SERVICE_VERSION } from '../service-info.js';

/**
 * The OpenAPI document: served at /docs-json, written to openapi/openapi.json by `npm run openapi`
 * (from a preview app that never connects to the database), and the source of the frontend's types.
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Todo API')
      .setDescription(
        'Tasks for a Next.js todo app. Sign up or sign in under `auth`, press **Authorize** and paste the `token`. ' +
          'Tokens from Better Auth (jwt plugin) are accepted too. Errors are RFC 9457 problem+json.',
      )
      .setVersion(SERVICE_VERSION)
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .build(),
  );
  fitPathParameters(document);
  return document;
}

/**
 * A controller mounted on several paths (`/api/tasks` and `/api/{userId}/tasks`) gets its @ApiParam
 * on every one of them. OpenAPI wants exactly the parameters in the path, all required; generated
 * clients otherwise demand a `userId` for `/api/tasks`.
 */
function fitPathParameters(document: OpenAPIObject): void {
  for (const [path, item] of Object.entries(document.paths)) {
    for (const operation of Object.values(item)) {
      const parameters = (operation as { parameters?: (ParameterObject | ReferenceObject)[] }).parameters;
      if (!Array.isArray(parameters)) continue;
      (operation as { parameters: unknown[] }).parameters = parameters
        .filter((p) => !('in' in p) || p.in !== 'path' || path.includes(`{${p.name}}`))
        .map((p) => ('in' in p && p.in === 'path' ? { ...p, required: true } : p));
    }
  }
}

/** The committed file's exact text, so a regenerated document compares equal when nothing changed. */
export function serializeOpenApiDocument(document: OpenAPIObject): string {
  return JSON.stringify(document, null, 2) + '\n';
}
