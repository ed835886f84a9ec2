/**
 * `npm run demo`: the API and the Next.js app in examples/nextjs-app, ready in a browser.
 *
 * Installs the app's dependencies when missing, builds the API and the app, starts one embedded
 * PostgreSQL (data in .data/demo, kept between runs) with a database for the API and one for
 * Better Auth, then the API on :8000 and the app on :3000 (API_PORT, APP_PORT to change them).
 * Ctrl+C (or SIGTERM) stops all of it.
 */
import { join } from 'node:path';
import { buildApi, buildApp, freePortOk, installApp, startStack } from '../examples/nextjs-app/scripts/stack.mjs';

const root = join(import.meta.dirname, '..');
const apiPort = Number(process.env.API_PORT ?? 8000);
const appPort = Number(process.env.APP_PORT ?? 3000);
const log = (line) => console.log(`demo: ${line}`);

for (const [name, port] of [
  ['API_PORT', apiPort],
  ['APP_PORT', appPort],
]) {
  if (!(await freePortOk(port))) {
    console.error(`demo: port ${port} is taken; free it or set ${name}=<another port>`);
    process.exit(1);
  }
}

installApp(log);
buildApi(log);
const apiUrl = `http://localhost:${apiPort}`;
buildApp(apiUrl, { log });

log('starting PostgreSQL, the API and the app…');
const stack = await startStack({ host: 'localhost', apiPort, appPort, dataDir: join(root, '.data', 'demo'), log });

let stopping = false;
async function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  log(`${signal}: stopping the app, the API and PostgreSQL…`);
  await stack.stop();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

console.log(`
  The todo app is ready:  ${stack.appUrl}
  The API and its docs:   ${stack.apiUrl}/docs

  Sign up, add tasks, share a list with a second account (another browser profile or a private
  window), go offline in the browser's dev tools and back. Ctrl+C stops everything.
`);
