import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { type BetterAuthServer, startBetterAuth } from './support/better-auth.js';
import { ARTIFACTS, describeInBrowser, launchChromium } from './support/browser.js';
import { moduleUrl, serveFrontend } from './support/browser-modules.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const EXAMPLE = join(import.meta.dirname, '..', 'examples', 'nextjs-client.ts');

/**
 * A Next.js-like frontend in Chromium: Better Auth at the page's own origin (`/api/auth/*`, proxied
 * to a real Better Auth server, as a Next.js route handler would serve it) and the todo API on
 * another origin, called through examples/nextjs-client.ts itself, unbundled.
 */
function page(api: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Next.js example client</title></head>
<body><h1>examples/nextjs-client.ts</h1><pre id="log"></pre>
<script>window.process = { env: { NEXT_PUBLIC_API_URL: ${JSON.stringify(api)} } };</script>
<script type="module">
  import * as client from ${JSON.stringify(moduleUrl(EXAMPLE))};
  window.client = client;
  window.me = async () => (await client.api.GET('/api/auth/me')).data;
  window.log = (line) => (document.getElementById('log').textContent += line + '\\n');
  window.ready = true;
</script></body></html>`;
}

/** What the page's module script adds to its window. */
interface ExampleWindow {
  ready?: boolean;
  me(): Promise<{ id: string; email: string } | undefined>;
  client: {
    authClient: {
      signUp: { email(body: { email: string; password: string; name: string }): Promise<{ error: unknown }> };
      signOut(): Promise<unknown>;
    };
    addTask(task: { title: string }): Promise<{ task: { id: number; user_id: string } }>;
    pendingTasks(): Promise<{ title: string }[]>;
  };
}

describeInBrowser('The Next.js example client in Chromium, two users in one tab', () => {
  let ba: BetterAuthServer;
  let t: TestApp;
  let frontend: Server;
  let browser: Browser;
  let tab: Page;

  beforeAll(async () => {
    ba = await startBetterAuth();
    let api = '';
    frontend = await serveFrontend(() => page(api), ba.url);
    const origin = `http://127.0.0.1:${(frontend.address() as AddressInfo).port}`;
    t = await createTestApp({ BETTER_AUTH_URL: ba.url, CORS_ALLOWED_ORIGINS: origin });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    api = await t.app.getUrl();
    browser = await launchChromium();
    tab = await browser.newPage();
    await tab.goto(origin);
    await tab.waitForFunction(() => (globalThis as unknown as ExampleWindow).ready === true);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await new Promise((resolve) => frontend?.close(resolve));
    await ba?.stop();
  });

  it('gives the second user only their own identity and tasks, without a reload', async () => {
    const stamp = Date.now();
    const first = await tab.evaluate(async (s) => {
      const w = globalThis as unknown as ExampleWindow;
      await w.client.authClient.signUp.email({
        email: `ada-${s}@example.com`,
        password: 'correct horse battery',
        name: 'Ada',
      });
      const { task } = await w.client.addTask({ title: "Ada's task" });
      return { me: await w.me(), task };
    }, stamp);
    expect(first.me?.email).toBe(`ada-${stamp}@example.com`);
    expect(first.task.user_id).toBe(first.me?.id);

    // Sign out and sign up as someone else in the same tab: no reload, the module state lives on.
    const second = await tab.evaluate(async (s) => {
      const w = globalThis as unknown as ExampleWindow;
      await w.client.authClient.signOut();
      await w.client.authClient.signUp.email({
        email: `bob-${s}@example.com`,
        password: 'correct horse battery',
        name: 'Bob',
      });
      const me = await w.me();
      const tasks = await w.client.pendingTasks();
      const { task } = await w.client.addTask({ title: "Bob's task" });
      return { me, titles: tasks.map((x) => x.title), task };
    }, stamp);
    await tab.screenshot({ path: join(ARTIFACTS, 'nextjs-client-second-user.png') });

    expect(second.me?.email).toBe(`bob-${stamp}@example.com`);
    expect(second.me?.id).not.toBe(first.me?.id);
    expect(second.titles).toEqual([]);
    expect(second.task.user_id).toBe(second.me?.id);
    const { rows } = await t.sql.query('SELECT user_id FROM tasks WHERE id = $1', [second.task.id]);
    expect(rows).toEqual([{ user_id: second.me?.id }]);
  });
});
