import { readFile } from 'node:fs/promises';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import type { Browser } from 'playwright-core';
import type { SyncPage } from './support/api-types.js';
import { ARTIFACTS, describeInBrowser, launchChromium } from './support/browser.js';
import { createTestApp, type Session, type TestApp } from './support/test-app.js';

/** @microsoft/fetch-event-source's browser build, served to the page as the frontend would bundle it. */
const LIBRARY = join(
  dirname(createRequire(import.meta.url).resolve('@microsoft/fetch-event-source/package.json')),
  'lib',
  'esm',
);

/** A frontend page that opens GET /api/events with the fetch-based client and shows each change. */
const PAGE = `<!doctype html>
<html>
<head><meta charset="utf-8"><title>Live updates</title>
<style>body { font: 16px system-ui, sans-serif; margin: 2rem; } pre { background: #f4f4f4; padding: 1rem; }</style></head>
<body>
<h1>Live updates at <span id="origin"></span></h1>
<pre id="result">not connected</pre>
<script type="module">
  import { fetchEventSource } from '/fetch-event-source/index.js';
  document.getElementById('origin').textContent = location.origin;
  const show = () => (document.getElementById('result').textContent = JSON.stringify(window.live, null, 2));
  window.live = { opened: false, changes: [], error: null };
  window.watch = (api, token) =>
    fetchEventSource(api + '/api/events', {
      headers: { Authorization: 'Bearer ' + token },
      openWhenHidden: true,
      async onopen(response) {
        window.live.opened = response.ok;
        window.live.status = response.status;
        show();
      },
      onmessage(message) {
        if (message.event === 'change') window.live.changes.push({ id: message.id, data: JSON.parse(message.data) });
        show();
      },
      onerror(error) {
        window.live.error = String(error);
        show();
        throw error;
      },
    });
</script>
</body>
</html>`;

function serveFrontend(port: number): Promise<Server> {
  const server = createServer((request, response) => {
    const url = request.url ?? '/';
    if (url.startsWith('/fetch-event-source/')) {
      // The package's ES modules import './fetch' and './parse' without an extension.
      const name = url.slice('/fetch-event-source/'.length).replace(/\.js$/, '');
      if (!/^[a-z]+$/.test(name)) return response.writeHead(404).end();
      readFile(join(LIBRARY, `${name}.js`)).then(
        (source) => response.writeHead(200, { 'Content-Type': 'text/javascript' }).end(source),
        () => response.writeHead(404).end(),
      );
      return;
    }
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(PAGE);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

interface LiveWindow {
  live: { opened: boolean; status?: number; changes: { id: string; data: { cursor: string } }[]; error: string | null };
  watch(api: string, token: string): Promise<void>;
}

describeInBrowser('Live updates in Chromium with a fetch-based SSE client', () => {
  let t: TestApp;
  let session: Session;
  let browser: Browser;
  let frontend: Server;
  let api: string;

  beforeAll(async () => {
    // As in cors-browser: the page is on http://localhost:3000 unless another process holds that port.
    const env: Record<string, string> = {};
    try {
      frontend = await serveFrontend(3000);
    } catch {
      frontend = await serveFrontend(0);
      env.CORS_ALLOWED_ORIGINS = `http://localhost:${(frontend.address() as AddressInfo).port}`;
    }
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
  });

  it('opens the stream with the bearer header and sees a change made by another client', async () => {
    const page = await browser.newPage({ viewport: { width: 900, height: 600 } });
    await page.goto(`http://localhost:${(frontend.address() as AddressInfo).port}`);
    await page.waitForFunction(() => typeof (globalThis as unknown as Partial<LiveWindow>).watch === 'function');
    void page.evaluate(
      ([base, token]) => void (globalThis as unknown as LiveWindow).watch(base, token),
      [api, session.token],
    );
    await page.waitForFunction(() => (globalThis as unknown as LiveWindow).live.opened, undefined, {
      timeout: 10_000,
    });

    const created = await t.request({ method: 'POST', url: '/api/tasks', token: session.token, body: { title: 'x' } });
    expect(created.statusCode).toBe(201);
    await page.waitForFunction(() => (globalThis as unknown as LiveWindow).live.changes.length > 0, undefined, {
      timeout: 10_000,
    });
    const live = await page.evaluate(() => (globalThis as unknown as LiveWindow).live);
    await page.screenshot({ path: join(ARTIFACTS, 'live-updates.png') });
    await page.close();

    const { cursor } = (await t.request({ method: 'GET', url: '/api/sync', token: session.token })).json<SyncPage>();
    expect(live.error).toBeNull();
    expect(live.changes).toEqual([{ id: cursor, data: { cursor } }]);
  });
});
