import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppModule } from '../app.module';
import { buildOpenApiDocument, serializeOpenApiDocument } from './openapi-document';

/** Where `npm run openapi` writes the document; the frontend's types are generated next to it. */
export const OPENAPI_FILE = join(__dirname, '..', '..', 'openapi', 'openapi.json');

/**
 * `npm run openapi`: builds the document from the app module in preview mode (routes and DTOs are
 * read, no provider is instantiated, so no database and no configuration are needed). Runs from
 * `nest build` output so the Swagger CLI plugin's metadata is in it, exactly as in production.
 */
async function main(): Promise<void> {
  const app = await NestFactory.create(AppModule, new FastifyAdapter(), { preview: true, logger: ['error'] });
  mkdirSync(join(OPENAPI_FILE, '..'), { recursive: true });
  writeFileSync(OPENAPI_FILE, serializeOpenApiDocument(buildOpenApiDocument(app)));
  await app.close();
  console.log(`Wrote ${OPENAPI_FILE}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`openapi: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
