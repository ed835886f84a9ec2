import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { type BetterAuthServer, startBetterAuth } from './support/better-auth.js';
import { ARTIFACTS, describeInBrowser, launchChromium } from './support/browser.js';
import { moduleUrl, serveFrontend } from './support/browser-modules.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const EXAMPLES = join(import.meta.dirname, '..', 'examples');

/**
 * A Next.js-like frontend that keeps working offline through examples/offline-queue.ts itself,
 * unbundled: Better Auth at the page's own origin (proxied, as a Next.js route handler serves it),
 * the todo API on another origin.
 */
function page(api: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Offline queue</title>
<style>body { font: 16px system-ui, sans-serif; margin: 2rem; } .pending { color: #b45309; } .done { text-decoration: line-through; }</style></head>
<body><h1>examples/offline-queue.ts</h1><p id="status"></p><ul id="tasks"></ul>
<script>window.process = { env: { NEXT_PUBLIC_API_URL: ${JSON.stringify(api)} } };</script>
<script type="module">
  import * as client from ${JSON.stringify(moduleUrl(join(EXAMPLES, 'nextjs-client.ts')))};
  import { OfflineQueue } from ${JSON.stringify(moduleUrl(join(EXAMPLES, 'offline-queue.ts')))};
  window.client = client;
  window.rejected = [];
  window.w = () => window; // the test's callbacks run here, and reach the page's globals through it
  const show = (view) => {
    window.view = view;
    document.getElementById('status').textContent = (navigator.onLine ? 'online' : 'offline') + ', unsent: ' + view.unsent;
    document.getElementById('tasks').replaceChildren(...[...view.tasks].sort((a, b) => a.title.localeCompare(b.title)).map((task) => {
      const li = document.createElement('li');
      li.textContent = task.title + (task.pending ? ' (not saved yet)' : '');
      li.className = (task.pending ? 'pending ' : '') + (task.completed ? 'done' : '');
      return li;
    }));
  };
  window.openQueue = async (flushEveryMs) => {
    const { data } = await client.authClient.getSession();
    window.queue = await OfflineQueue.open({
      userId: data.user.id,
      flushEveryMs,
      onChange: show,
      onRejected: (mutation, problem) => window.rejected.push({ id: mutation.id, name: mutation.name, problem }),
    });
    return window.queue.clientId;
  };
  window.ready = true;
</script></body></html>`;
}

type Ref = number | `temp:${string}`;
interface ViewTask {
  id: Ref;
  title: string;
  completed: boolean;
  priority: string;
  pending: boolean;
}
interface Problem {
  status: number;
  errors?: { field: string }[];
}

/** What the page's module script adds to its window. */
interface QueueWindow {
  ready?: boolean;
  view?: { tasks: ViewTask[]; unsent: number };
  rejected: { id: number; name: string; problem: Problem }[];
  openQueue(flushEveryMs: number): Promise<string>;
  queue: {
    clientId: string;
    resolve(ref: Ref): Ref;
    createTask(task: { title: string }): Promise<Ref>;
    updateTask(id: Ref, changes: { title?: string; priority?: string }): Promise<{ id: number }>;
    completeTask(id: Ref, completed?: boolean): Promise<{ id: number }>;
    deleteTask(id: Ref): Promise<{ id: number }>;
    flush(): Promise<void>;
  };
  client: {
    API_URL: string;
    bearerToken(): Promise<string>;
    authClient: {
      signUp: { email(body: { email: string; password: string; name: string }): Promise<{ error: unknown }> };
      signIn: { email(body: { email: string; password: string }): Promise<{ error: unknown }> };
      getSession(): Promise<{ data: { user: { id: string } } }>;
    };
  };
}
/** Inside page.evaluate callbacks: the page's window (the page defines w too), typed. */
const w = () => globalThis as unknown as QueueWindow;

interface PushAnswer {
  results: { id: number; status: string }[];
  last_mutation_id: number;
  id_map: Record<string, number>;
}

/** The view's tasks as plain facts, by title. */
const facts = (tasks: ViewTask[]) =>
  tasks
    .map(({ title, completed, priority }) => ({ title, completed, priority }))
    .sort((a, b) => a.title.localeCompare(b.title));

/** Waits until the queue has sent everything and the pulled state shows it. */
async function settled(tab: Page): Promise<void> {
  await tab.waitForFunction(
    () => {
      const view = (globalThis as unknown as QueueWindow).view;
      return view?.unsent === 0 && view.tasks.every((task) => !task.pending);
    },
    undefined,
    { timeout: 20_000 },
  );
}

describeInBrowser('The offline queue example in Chromium: offline changes, pushed once', () => {
  let ba: BetterAuthServer;
  let t: TestApp;
  let frontend: Server;
  let browser: Browser;
  let origin: string;
  let api: string;

  beforeAll(async () => {
    ba = await startBetterAuth();
    frontend = await serveFrontend(() => page(api), ba.url);
    origin = `http://127.0.0.1:${(frontend.address() as AddressInfo).port}`;
    t = await createTestApp({ BETTER_AUTH_URL: ba.url, CORS_ALLOWED_ORIGINS: origin });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    api = await t.app.getUrl();
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await new Promise((resolve) => frontend?.close(resolve));
    await ba?.stop();
  });

  async function openTab(context: BrowserContext): Promise<Page> {
    const tab = await context.newPage();
    await tab.goto(origin);
    await tab.waitForFunction(() => (globalThis as unknown as QueueWindow).ready === true);
    return tab;
  }

  async function serverTasks(userId: string) {
    const { rows } = await t.sql.query<{ id: number; title: string; completed: boolean; priority: string }>(
      'SELECT id, title, completed, priority FROM tasks WHERE user_id = $1 ORDER BY title',
      [userId],
    );
    return rows;
  }

  it('applies every change made offline exactly once, keeps the queue over a reload, and shows it live elsewhere', async () => {
    const email = `offline-${Date.now()}@example.com`;
    const password = 'correct horse battery';
    const laptop = await browser.newContext({ viewport: { width: 900, height: 700 } });
    const phone = await browser.newContext({ viewport: { width: 900, height: 700 } });
    const tab = await openTab(laptop);

    // Online: sign up, and two tasks through the queue.
    await tab.evaluate(
      async ({ email, password }) => {
        await w().client.authClient.signUp.email({ email, password, name: 'Ada' });
        await w().openQueue(500);
      },
      { email, password },
    );
    const clientId = await tab.evaluate(() => w().queue.clientId);
    const userId = await tab.evaluate(async () => (await w().client.authClient.getSession()).data.user.id);
    const [milk, old] = await tab.evaluate(async () => [
      await w().queue.createTask({ title: 'Buy milk' }),
      await w().queue.createTask({ title: 'Old task' }),
    ]);
    await settled(tab);
    expect((await serverTasks(userId)).map((task) => task.title)).toEqual(['Buy milk', 'Old task']);

    // The same user on another device, kept current by the event stream alone (its interval: 10 min).
    const other = await openTab(phone);
    await other.evaluate(
      async ({ email, password }) => {
        await w().client.authClient.signIn.email({ email, password });
        await w().openQueue(600_000);
      },
      { email, password },
    );
    await settled(other);

    // Offline: create, edit, complete and delete, also on tasks only this device knows.
    await laptop.setOffline(true);
    const [report, plants] = await tab.evaluate(
      async ({ milk, old }) => {
        const q = w().queue;
        const report = await q.createTask({ title: 'Write report' });
        const plants = await q.createTask({ title: 'Water plants' });
        await q.updateTask(report, { title: 'Write the report' });
        await q.completeTask(plants); // a toggle: applied twice, it would undo itself
        await q.updateTask(milk, { title: 'Buy oat milk' });
        await q.completeTask(milk);
        await q.deleteTask(old);
        return [report, plants];
      },
      { milk, old },
    );
    const offlineView = await tab.evaluate(() => w().view!);
    expect(offlineView.unsent).toBe(7);
    expect(facts(offlineView.tasks)).toEqual([
      { title: 'Buy oat milk', completed: true, priority: 'medium' },
      { title: 'Water plants', completed: true, priority: 'medium' },
      { title: 'Write the report', completed: false, priority: 'medium' },
    ]);
    expect((await serverTasks(userId)).map((task) => task.title)).toEqual(['Buy milk', 'Old task']);
    await tab.screenshot({ path: join(ARTIFACTS, 'offline-queue-offline.png') });

    // A reload while the API cannot be reached (the page itself is served, as a PWA's would be).
    await laptop.route(`${api}/**`, (route) => route.abort('internetdisconnected'));
    await laptop.setOffline(false);
    await tab.reload();
    await tab.waitForFunction(() => (globalThis as unknown as QueueWindow).ready === true);
    expect(await tab.evaluate(() => w().openQueue(500))).toBe(clientId);
    const reloaded = await tab.evaluate(() => w().view!);
    expect(reloaded.unsent).toBe(7);
    expect(facts(reloaded.tasks)).toEqual(facts(offlineView.tasks));
    await tab.evaluate(() => w().queue.flush()); // its attempt has failed: nothing is in flight
    await laptop.setOffline(true);
    await laptop.unroute(`${api}/**`);

    // More offline changes after the reload, through the temp refs minted before it.
    await tab.evaluate(async (plants) => {
      const q = w().queue;
      await q.updateTask(plants, { priority: 'high' });
      const never = await q.createTask({ title: 'Never mind' });
      await q.deleteTask(never);
    }, plants);

    // Online again. The first push's response is lost on the way back: the server applied it, the
    // page saw a network error and sends the same batch again.
    const answers: PushAnswer[] = [];
    await tab.route(`${api}/api/sync/push`, async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      const response = await route.fetch();
      answers.push((await response.json()) as PushAnswer);
      if (answers.length === 1) return route.abort('connectionreset');
      return route.fulfill({ response });
    });
    await laptop.setOffline(false);
    await settled(tab);
    await tab.unroute(`${api}/api/sync/push`);
    await tab.screenshot({ path: join(ARTIFACTS, 'offline-queue-synced.png') });

    const applied = answers.flatMap((a) => a.results.filter((r) => r.status === 'applied').map((r) => r.id));
    expect(applied.sort((a, b) => a - b)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const lost = answers[0].results.map((r) => r.id);
    expect(answers[1].results.filter((r) => lost.includes(r.id)).map((r) => r.status)).toEqual(
      lost.map(() => 'duplicate'),
    );
    expect(answers[1].id_map).toMatchObject(answers[0].id_map); // the ids of the lost answer, learnt again
    expect(answers.at(-1)?.last_mutation_id).toBe(12);

    const final = [
      { title: 'Buy oat milk', completed: true, priority: 'medium' },
      { title: 'Water plants', completed: true, priority: 'high' },
      { title: 'Write the report', completed: false, priority: 'medium' },
    ];
    const held = await serverTasks(userId);
    expect(held.map(({ title, completed, priority }) => ({ title, completed, priority }))).toEqual(final);
    expect(facts(await tab.evaluate(() => w().view!.tasks))).toEqual(final);
    // The temp refs now name the server's rows.
    const ids = await tab.evaluate(({ report, plants }) => [w().queue.resolve(report), w().queue.resolve(plants)], {
      report,
      plants,
    });
    expect(ids).toEqual([
      held.find((task) => task.title === 'Write the report')?.id,
      held.find((task) => task.title === 'Water plants')?.id,
    ]);

    // A change the server refuses by the REST rules comes back to the app, and leaves the view.
    await tab.evaluate((milk) => w().queue.updateTask(milk, { title: '   ' }), milk);
    await settled(tab);
    const rejected = await tab.evaluate(() => w().rejected);
    expect(
      rejected.map(({ id, name, problem }) => ({
        id,
        name,
        status: problem.status,
        fields: problem.errors?.map((e) => e.field),
      })),
    ).toEqual([{ id: 13, name: 'task.update', status: 422, fields: ['title'] }]);
    expect(facts(await tab.evaluate(() => w().view!.tasks))).toEqual(final);

    // The server counted every mutation of this client once.
    const lastMutationId = await tab.evaluate(async (clientId) => {
      const { client } = w();
      const response = await fetch(`${client.API_URL}/api/sync?client_id=${clientId}`, {
        headers: { Authorization: `Bearer ${await client.bearerToken()}` },
      });
      return ((await response.json()) as { last_mutation_id: number }).last_mutation_id;
    }, clientId);
    expect(lastMutationId).toBe(13);

    // The other device saw it all through its event stream.
    await other.waitForFunction(
      (expected) =>
        JSON.stringify(
          (globalThis as unknown as QueueWindow)
            .view!.tasks.map(({ title, completed, priority }) => ({ title, completed, priority }))
            .sort((a, b) => a.title.localeCompare(b.title)),
        ) === expected,
      JSON.stringify(final),
      { timeout: 15_000 },
    );
    await other.screenshot({ path: join(ARTIFACTS, 'offline-queue-other-device.png') });
    expect(await other.evaluate(() => w().queue.clientId)).not.toBe(clientId);

    await laptop.close();
    await phone.close();
  }, 120_000);

  it('recovers when the server has forgotten the client: renumbers from 1 and names its objects by their ids', async () => {
    const context = await browser.newContext();
    const tab = await openTab(context);
    const email = `forgotten-${Date.now()}@example.com`;
    await tab.evaluate(async (email) => {
      await w().client.authClient.signUp.email({ email, password: 'correct horse battery', name: 'Ada' });
      await w().openQueue(500);
    }, email);
    const clientId = await tab.evaluate(() => w().queue.clientId);
    const userId = await tab.evaluate(async () => (await w().client.authClient.getSession()).data.user.id);
    const report = await tab.evaluate(() => w().queue.createTask({ title: 'Write report' }));
    await settled(tab);

    // What the purge does after SYNC_RETENTION_DAYS without a push: the counter and the temp ids go.
    await t.sql.query('DELETE FROM sync_clients WHERE client_id = $1', [clientId]);

    await context.setOffline(true);
    await tab.evaluate(async (report) => {
      const q = w().queue;
      await q.updateTask(report, { title: 'Send the report' }); // mutation 2, by a temp id the server forgot
      await q.completeTask(report, true);
      await q.createTask({ title: 'Book the train' });
    }, report);
    const statuses: number[] = [];
    tab.on('response', (response) => {
      if (response.url().endsWith('/api/sync/push')) statuses.push(response.status());
    });
    await context.setOffline(false);
    await settled(tab);

    expect(statuses.slice(0, 2)).toEqual([409, 200]);
    expect(await tab.evaluate(() => w().rejected)).toEqual([]);
    expect((await serverTasks(userId)).map(({ title, completed }) => ({ title, completed }))).toEqual([
      { title: 'Book the train', completed: false },
      { title: 'Send the report', completed: true },
    ]);
    const { rows } = await t.sql.query<{ last_mutation_id: string }>(
      'SELECT last_mutation_id FROM sync_clients WHERE client_id = $1',
      [clientId],
    );
    expect(rows).toEqual([{ last_mutation_id: '3' }]); // the three unsent ones, renumbered from 1
    await context.close();
  }, 60_000);
});
