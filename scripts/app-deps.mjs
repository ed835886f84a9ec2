/**
 * Installs examples/nextjs-app's dependencies when they are missing or stale (its own lockfile), as
 * `npm run demo` and `npm run test:app` do. `npm run lint` runs it first: ESLint checks the app with
 * its types, which come from the app's node_modules, so a fresh clone would otherwise fail the lint.
 */
import { installApp } from '../examples/nextjs-app/scripts/stack.mjs';

installApp((line) => console.log(`lint: ${line}`));
