import { expect } from '@jest/globals';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import type { Task } from './support/api-types.js';
import { ARTIFACTS, describeInBrowser, launchChromium } from './support/browser.js';
import { createTestApp, type Session, type TestApp } from './support/test-app.js';

/** A frontend page that creates a task on the API with a bearer token and shows what it could read. */
const PAGE = `<!doctype html>
<html>
<head><meta charset="utf-8"><title>Todo frontend</title>
<style>body { font: 16px system-ui, sans-serif; margin: 2rem; } pre { background: #f4f4f4; padding: 1rem; }</style></head>
<body>
<h1>Todo frontend at <span id="origin"></span></h1>
<pre id="result">not run yet</pre>
<script>
  document.getElementById('origin').textContent = location.origin;
  window.createTask = async (api, token) => {
    let result;
    try {
      const response = await fetch(api + '/api/tasks', {
        method: 'POST',
        headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' },
        body: JSON.stringify({ title: 'Created from ' + location.origin }),
      });
      result = { status: response.status, location: response.headers.get('Location'), etag: response.headers.get('ETag'), body: await response.json() };
    } catch (error) {
      result = { error: String(error) };
    }
    document.getElementById('result').textContent = JSON.stringify(result, null, 2);
    return result;
  };
</script>
</body>
</html>`;

function servePage(port: number): Promise<Server> {
  const server = createServer((request, response) =>
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(PAGE),
  );
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

const portOf = (server: Server) => (server.address() as AddressInfo).port;

interface CreateResult {
  status?: number;
  location?: string | null;
  etag?: string | null;
  /** The created task, as the API answered it. */
  body?: Task;
  error?: string;
}

/** What the page's script adds to its window. */
interface FrontendWindow {
  createTask(api: string, token: string): Promise<CreateResult>;
}

describeInBrowser('A frontend calling the API cross-origin in Chromium', () => {
  let t: TestApp;
  let session: Session;
  let browser: Browser;
  let api: string;
  let frontend: Server;
  let stranger: Server;
  let frontendOrigin: string;

  beforeAll(async () => {
    // The default allowed origin is http://localhost:3000; if another process holds port 3000, the
    // page moves to a free port and the API is told to allow that origin instead.
    const env: Record<string, string> = {};
    try {
      frontend = await servePage(3000);
    } catch {
      frontend = await servePage(0);
      env.CORS_ALLOWED_ORIGINS = `http://localhost:${portOf(frontend)}`;
      console.warn(
        `Port 3000 is taken: serving the frontend page on ${env.CORS_ALLOWED_ORIGINS} and allowing that origin instead`,
      );
    }
    frontendOrigin = `http://localhost:${portOf(frontend)}`;
    stranger = await servePage(0);
    t = await createTestApp(env);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    api = await t.app.getUrl();
    session = await t.signUp();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await new Promise((resolve) => frontend?.close(resolve));
    await new Promise((resolve) => stranger?.close(resolve));
  });

  const tasksInDatabase = async () =>
    Number((await t.sql.query<{ count: string }>('SELECT count(*) FROM tasks')).rows[0].count);

  /** Opens the page at `origin`, runs its fetch in Chromium, and keeps a screenshot of what it showed. */
  async function createTaskFrom(origin: string, screenshot: string): Promise<CreateResult & { console: string[] }> {
    const page = await browser.newPage({ viewport: { width: 900, height: 600 } });
    const messages: string[] = [];
    page.on('console', (message) => messages.push(message.text()));
    await page.goto(origin);
    const result = await page.evaluate(
      ([base, token]) => (globalThis as unknown as FrontendWindow).createTask(base, token),
      [api, session.token],
    );
    await page.screenshot({ path: join(ARTIFACTS, screenshot) });
    await page.close();
    return { ...result, console: messages };
  }

  it('lets the allowed origin create a task and read the exposed Location and ETag', async () => {
    const result = await createTaskFrom(frontendOrigin, 'cors-allowed-origin.png');

    expect(result).toMatchObject({
      status: 201,
      location: `/api/tasks/${result.body?.id}`,
      etag: expect.stringMatching(/^(W\/)?".+"$/),
    });
    expect(result.body?.title).toBe(`Created from ${frontendOrigin}`);
    expect(await tasksInDatabase()).toBe(1);
  });

  it('refuses the same page from another origin, before the request is sent', async () => {
    const result = await createTaskFrom(`http://127.0.0.1:${portOf(stranger)}`, 'cors-refused-origin.png');

    expect(result.error).toBe('TypeError: Failed to fetch');
    expect(result.console.join('\n')).toContain('has been blocked by CORS policy');
    // The preflight got no CORS headers, so Chromium never sent the POST.
    expect(await tasksInDatabase()).toBe(1);
  });
});
