import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppModule } from '../app.module.js';
import { buildOpenApiDocument, serializeOpenApiDocument } from './openapi-document.js';

/** Where `npm run openapi` writes the document; the frontend's types are generated next to it. */
export const OPENAPI_FILE = join(import.meta.dirname, '..', '..', 'openapi', 'openapi.json');

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

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(`openapi: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
