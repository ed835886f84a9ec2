/**
 * `npm run test:app`: the browser tests of the Next.js app in examples/nextjs-app (its e2e/), run
 * by .ci/run once, after `npm test`. Installs the app's dependencies when missing, builds the API
 * (dist/, which the tests start as `npm start` would), then runs them with Node's test runner;
 * the app's `next build` happens inside, for the API's URL. TEST_DATABASE_URL is used as the
 * Jest suites use it; without it the tests start an embedded PostgreSQL.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { APP_DIR, buildApi, installApp } from '../examples/nextjs-app/scripts/stack.mjs';

const started = Date.now();
installApp();
buildApi();
const tests = spawnSync(process.execPath, ['--test', '--test-reporter=spec', join('e2e', 'app.test.mjs')], {
  cwd: APP_DIR,
  stdio: 'inherit',
});
console.log(`test:app: ${((Date.now() - started) / 1000).toFixed(0)} s in all (install, builds and tests)`);
process.exit(tests.status ?? 1);
