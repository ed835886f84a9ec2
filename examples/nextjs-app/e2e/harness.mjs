/**
 * What the browser tests share: the stack (PostgreSQL, the API, `next build` + `next start`) and
 * Debian's Chromium through playwright-core, never a downloaded browser.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import pg from 'pg';
import { APP_DIR, buildApp, freePort, startStack } from '../scripts/stack.mjs';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = join(APP_DIR, 'e2e', 'artifacts');
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Starts everything once for the file. TEST_DATABASE_URL: a database pair on that server (CI's);
 * otherwise an embedded PostgreSQL in a temporary directory (the API must be built: npm run build).
 * E2E_API_PORT pins the API's port, so a second local run can reuse the first one's `next build`.
 */
export async function startAll() {
  const started = Date.now();
  const apiPort = Number(process.env.E2E_API_PORT) || (await freePort());
  const appPort = await freePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const log = (line) => process.stderr.write(`# ${line}\n`);
  buildApp(apiUrl, { log });
  const built = Date.now();
  const dataDir = process.env.TEST_DATABASE_URL ? undefined : mkdtempSync(join(tmpdir(), 'todo-app-e2e-'));
  // As root the embedded server runs as the postgres OS user, which must be able to enter it.
  if (dataDir) chmodSync(dataDir, 0o755);
  const stack = await startStack({
    apiPort,
    appPort,
    databaseServer: process.env.TEST_DATABASE_URL || undefined,
    dataDir,
    fresh: true,
    quiet: !process.env.E2E_VERBOSE,
    log,
  });
  const sql = new pg.Pool({ connectionString: stack.apiDatabase, max: 2 });
  mkdirSync(ARTIFACTS, { recursive: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  log(`build ${((built - started) / 1000).toFixed(1)} s, start ${((Date.now() - built) / 1000).toFixed(1)} s`);
  return {
    ...stack,
    browser,
    sql,
    async stop() {
      await browser.close().catch(() => undefined);
      await sql.end().catch(() => undefined);
      await stack.stop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it returns a truthy value; fails with `what` after `timeoutMs`. */
export async function until(what, check, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what} (last: ${last})`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

let users = 0;

/** A person in their own browser profile (context), signed up and looking at their inbox. */
export async function signUp(env, name, { viewport = { width: 1280, height: 800 }, url, email: given } = {}) {
  const context = await env.browser.newContext({ viewport });
  context.setDefaultTimeout(5_000);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  const email = given ?? `${name.toLowerCase()}-${Date.now()}-${++users}@example.com`;
  await page.goto(url ?? env.appUrl);
  await page.locator('form.card').waitFor();
  if (!(await page.getByRole('button', { name: 'Sign up' }).isVisible())) {
    await page.getByRole('button', { name: 'New here? Create an account' }).click();
  }
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Sign up' }).click();
  try {
    await page.locator('.list-header h2').first().waitFor();
  } catch (error) {
    await page.screenshot({ path: join(ARTIFACTS, `sign-up-${name}.png`) });
    throw new Error(`${name} could not sign up: ${await page.locator('body').innerText()}`, { cause: error });
  }
  await synced(page);
  return { context, page, email, name, errors };
}

/** The sync state says nothing waits to be sent. */
export async function synced(page, timeout = 10_000) {
  await page.getByTestId('sync-state').filter({ hasText: 'All changes saved' }).waitFor({ timeout });
}

export const taskRow = (page, title) => page.locator(`li.task[data-task="${title}"]`);
export const taskTitles = (page) => page.locator('li.task .task-title').allInnerTexts();
export const listNames = (page) => page.locator('nav[aria-label="Lists"] .lists .name').allInnerTexts();

export async function addTask(page, title, due) {
  await page.locator('#new-task').fill(title);
  if (due) await page.locator('#new-task-due').fill(due);
  await page.locator('#new-task').press('Enter');
}

export async function openList(page, name) {
  await page.locator('nav[aria-label="Lists"] .lists button', { hasText: name }).click();
  await page.locator('.list-header h2', { hasText: name }).waitFor();
}
