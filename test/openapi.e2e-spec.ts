import { jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { serializeOpenApiDocument } from '../src/openapi/openapi-document.js';
import { OPENAPI_FILE } from '../src/openapi/write-openapi.js';
import { createTestApp } from './support/test-app.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');
const SCHEMA_FILE = join(ROOT, 'openapi', 'schema.d.ts');
const STALE = 'is stale: run `npm run openapi` and commit openapi/';

/**
 * What write-openapi.ts writes, built in a module registry of its own: @nestjs/swagger annotates DTO
 * metadata while it builds, so a second document in one registry is not byte-identical to the first
 * (a process builds only one, as in production).
 */
async function previewDocument(): Promise<string> {
  let text = '';
  await jest.isolateModulesAsync(async () => {
    const { NestFactory } = await import('@nestjs/core');
    const { FastifyAdapter } = await import('@nestjs/platform-fastify');
    const { AppModule } = await import('../src/app.module.js');
    const { buildOpenApiDocument } = await import('../src/openapi/openapi-document.js');
    const app = await NestFactory.create(AppModule, new FastifyAdapter(), { preview: true, logger: false });
    text = serializeOpenApiDocument(buildOpenApiDocument(app));
    await app.close();
  });
  return text;
}

describe('The committed OpenAPI document and client types', () => {
  const committed = readFileSync(OPENAPI_FILE, 'utf8');

  it('match what `npm run openapi` generates now (no database needed)', async () => {
    const generated = await previewDocument();
    expect({ [`openapi/openapi.json ${STALE}`]: generated }).toEqual({ [`openapi/openapi.json ${STALE}`]: committed });
  });

  it('match what the running service serves at /docs-json', async () => {
    const t = await createTestApp();
    try {
      const served = await t.request({ method: 'GET', url: '/docs-json' });
      expect(serializeOpenApiDocument(served.json())).toEqual(committed);
    } finally {
      await t.close();
    }
  });

  it('have types generated from the committed document', async () => {
    const cli = join(ROOT, 'node_modules', 'openapi-typescript', 'bin', 'cli.js');
    const { stdout } = await run(process.execPath, [cli, OPENAPI_FILE], { cwd: ROOT });
    expect({ [`openapi/schema.d.ts ${STALE}`]: stdout }).toEqual({
      [`openapi/schema.d.ts ${STALE}`]: readFileSync(SCHEMA_FILE, 'utf8'),
    });
  });

  it('type-check the Next.js example client, whose misuses are compile errors', async () => {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    // Fails with tsc's diagnostics when a call no longer fits the types, or when one of the
    // example's expected errors compiles (the types stopped catching that mistake).
    const { stdout } = await run(process.execPath, [tsc, '-p', join(ROOT, 'examples')], { cwd: ROOT }).catch(
      (error: { stdout: string }) => error,
    );
    expect(stdout).toBe('');
  });
});
