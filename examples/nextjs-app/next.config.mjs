import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root: the app imports the API's typed client and helpers from ../ (examples/*.ts). */
const repository = join(here, '..', '..');

/**
 * examples/*.ts import these by name, and from there a resolver looks in the repository root's
 * node_modules. Each is pointed at this app's own copy, so the app builds from its own lockfile
 * and ships one copy of each.
 */
const SHARED = ['better-auth/client', 'better-auth/client/plugins', 'openapi-fetch', '@microsoft/fetch-event-source'];

function ownCopy(specifier) {
  let file = fileURLToPath(import.meta.resolve(specifier));
  // A package without `exports` resolves to its CommonJS `main`: bundlers prefer its `module`.
  const root = join(here, 'node_modules', ...specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1));
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  if (!pkg.exports && pkg.module) file = join(root, pkg.module);
  return `./${relative(here, file)}`;
}

/** @type {import('next').NextConfig} */
export default {
  reactStrictMode: true,
  poweredByHeader: false,
  // Files outside the app (examples/*.ts, openapi/schema.d.ts) are part of the build.
  turbopack: {
    root: repository,
    resolveAlias: Object.fromEntries(SHARED.map((specifier) => [specifier, ownCopy(specifier)])),
  },
  outputFileTracingRoot: repository,
};
