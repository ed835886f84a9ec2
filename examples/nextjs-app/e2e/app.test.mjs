/**
 * The app in Debian's Chromium against a production build (next build + next start), the real API
 * and Better Auth on PostgreSQL: every feature a person uses, two browser profiles for sharing and
 * live updates, and context.setOffline for the offline queue.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  addTask,
  ARTIFACTS,
  listNames,
  openList,
  signUp,
  startAll,
  synced,
  taskRow,
  taskTitles,
  until,
} from './harness.mjs';

/** What the contract promises for live updates: another user sees a change within 1 s. */
const LIVE_MS = 1_000;

describe('The Next.js todo app in Chromium', { timeout: 240_000 }, () => {
  let env;
  let ada;

  before(async () => {
    env = await startAll();
    ada = await signUp(env, 'Ada');
  });

  after(async () => {
    await env?.stop();
  });

  it('signs out, refuses a wrong password and signs in again with Better Auth', async () => {
    const { page, email } = await signUp(env, 'Grace');
    await addTask(page, 'Only mine');
    await taskRow(page, 'Only mine').waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();

    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /invalid/i })
      .waitFor();

    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await taskRow(page, 'Only mine').waitFor();
    await page.context().close();
  });

  it('keeps lists in a sidebar, the inbox first; creates, renames and deletes one', async () => {
    const { page } = ada;
    for (const name of ['Groceries', 'Work']) {
      await page.getByPlaceholder('New list').fill(name);
      await page.getByRole('button', { name: 'Add list' }).click();
      await until(`list ${name}`, async () => (await listNames(page)).includes(name));
    }
    assert.deepEqual(await listNames(page), ['Inbox', 'Groceries', 'Work']);

    await openList(page, 'Work');
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByLabel('List name').fill('   ');
    await page.getByRole('button', { name: 'Save' }).click();
    // The API's 422 names the field: the message sits next to the name input.
    await page.locator('.list-header .error').waitFor();
    assert.equal(await page.getByLabel('List name').getAttribute('aria-invalid'), 'true');
    await page.getByLabel('List name').fill('Office');
    await page.getByRole('button', { name: 'Save' }).click();
    await until('the renamed list', async () => (await listNames(page)).includes('Office'));
    assert.deepEqual(await listNames(page), ['Inbox', 'Groceries', 'Office']);

    await page.getByRole('button', { name: 'Delete list' }).click();
    await page.getByRole('button', { name: /Delete “Office” and its tasks/ }).click();
    await until('the list gone', async () => !(await listNames(page)).includes('Office'));
    assert.deepEqual(await listNames(page), ['Inbox', 'Groceries']);
  });

  it('adds, edits (title and due date), completes and deletes tasks, with errors next to the field', async () => {
    const { page } = ada;
    await openList(page, 'Inbox');
    await addTask(page, '   ');
    const error = page.locator('#new-task-error');
    await error.waitFor();
    assert.match(await error.innerText(), /longer than or equal to 1/);
    assert.equal(await page.locator('#new-task').getAttribute('aria-invalid'), 'true');

    await addTask(page, 'Buy milk', '2030-05-04');
    await taskRow(page, 'Buy milk').waitFor();
    assert.equal(await error.count(), 0);
    assert.match(await taskRow(page, 'Buy milk').locator('time').innerText(), /May 4/);

    await taskRow(page, 'Buy milk').locator('.task-title').click();
    const editor = taskRow(page, 'Buy milk').locator('.editor');
    await editor.getByLabel('Title').fill('x'.repeat(300));
    await editor.getByRole('button', { name: 'Save' }).click();
    await editor.locator('.field-error').waitFor();
    await editor.getByLabel('Title').fill('Buy oat milk');
    await editor.getByLabel('Due date').fill('2030-06-01');
    await editor.getByRole('button', { name: 'Save' }).click();
    await taskRow(page, 'Buy oat milk').waitFor();
    assert.match(await taskRow(page, 'Buy oat milk').locator('time').innerText(), /Jun 1/);

    await taskRow(page, 'Buy oat milk').getByRole('checkbox').check();
    await until('completed', async () => (await taskRow(page, 'Buy oat milk').getAttribute('class')).includes('done'));
    await taskRow(page, 'Buy oat milk')
      .getByRole('button', { name: /Delete/ })
      .click();
    await taskRow(page, 'Buy oat milk').waitFor({ state: 'detached' });
    const { rows } = await env.sql.query("SELECT count(*)::int AS n FROM tasks WHERE title LIKE 'Buy%'");
    assert.equal(rows[0].n, 0);
  });

  it('adds subtasks, counts them, and completing the task completes them', async () => {
    const { page } = ada;
    await addTask(page, 'Plan the party');
    await taskRow(page, 'Plan the party').locator('.task-title').click();
    const editor = taskRow(page, 'Plan the party').locator('.editor');
    for (const title of ['Invitations', 'Cake']) {
      await editor.getByPlaceholder('Add a subtask').fill(title);
      await editor.getByRole('button', { name: 'Add subtask' }).click();
      await editor.locator(`li[data-subtask="${title}"]`).waitFor();
    }
    await editor.getByRole('checkbox', { name: /Complete subtask “Cake”/ }).check();
    const count = taskRow(page, 'Plan the party').locator('.subcount');
    await until('1 of 2 done', async () => (await count.innerText()).includes('1/2'));
    await taskRow(page, 'Plan the party')
      .getByRole('checkbox', { name: /Complete “Plan the party”/ })
      .check();
    await until('2 of 2 done', async () => (await count.innerText()).includes('2/2'));
    // Subtasks are not rows of their own in the list.
    assert.ok(!(await taskTitles(page)).includes('Cake'));
    await editor.getByRole('button', { name: 'Close' }).click();
  });

  it('shows categories as coloured chips, filters by category and status, and clears completed', async () => {
    const { page } = ada;
    await page.getByPlaceholder('New category').fill('Home');
    await page.locator('.categories input[type="color"]').fill('#22c55e');
    await page.getByRole('button', { name: 'Add category' }).click();
    await page.locator('.categories .chip', { hasText: 'Home' }).waitFor();

    await addTask(page, 'Water the plants');
    await addTask(page, 'Call the bank');
    await taskRow(page, 'Call the bank').waitFor();
    await taskRow(page, 'Water the plants').locator('.task-title').click();
    const editor = taskRow(page, 'Water the plants').locator('.editor');
    await editor.getByRole('button', { name: 'Home' }).click();
    await editor.getByRole('button', { name: 'Save' }).click();
    const chip = taskRow(page, 'Water the plants').locator('.meta .chip', { hasText: 'Home' });
    await chip.waitFor();
    const color = await chip.evaluate((el) => getComputedStyle(el).borderTopColor);
    assert.equal(color, 'rgb(34, 197, 94)');

    await page.locator('.categories .chip', { hasText: 'Home' }).click();
    await until('only Home tasks', async () => (await taskTitles(page)).join() === 'Water the plants');
    await page.locator('.categories .chip', { hasText: 'Home' }).click();

    await page.getByRole('button', { name: 'Completed', exact: true }).click();
    await until('completed only', async () => (await taskTitles(page)).join() === 'Plan the party');
    await page.getByRole('button', { name: 'Active', exact: true }).click();
    await until('active only', async () => !(await taskTitles(page)).includes('Plan the party'));
    await page.getByRole('button', { name: 'All', exact: true }).click();

    await page.getByRole('button', { name: /Clear completed/ }).click();
    await taskRow(page, 'Plan the party').waitFor({ state: 'detached' });
    assert.deepEqual((await taskTitles(page)).sort(), ['Call the bank', 'Water the plants']);
  });

  it('reorders by drag and drop (POST /api/tasks/{id}/move) and by Alt+arrow keys', async () => {
    const { page } = ada;
    await openList(page, 'Groceries');
    for (const title of ['Apples', 'Bread', 'Cheese']) {
      await addTask(page, title);
      await taskRow(page, title).waitFor();
    }
    await until('three tasks', async () => (await taskTitles(page)).length === 3);
    assert.deepEqual(await taskTitles(page), ['Apples', 'Bread', 'Cheese']);

    const moved = page.waitForResponse((r) => r.url().includes('/move') && r.request().method() === 'POST');
    await taskRow(page, 'Cheese').dragTo(taskRow(page, 'Apples'));
    assert.equal((await moved).status(), 200);
    await until('Cheese first', async () => (await taskTitles(page)).join() === 'Cheese,Apples,Bread');

    await taskRow(page, 'Apples').locator('.task-title').focus();
    await page.keyboard.press('Alt+ArrowDown');
    await until('Apples last', async () => (await taskTitles(page)).join() === 'Cheese,Bread,Apples');

    // The order is the server's: a reload shows it.
    await page.reload();
    await openList(page, 'Groceries');
    await until('the order after a reload', async () => (await taskTitles(page)).join() === 'Cheese,Bread,Apples');
  });

  it('shares a list by invitation link; the other user sees members and roles and changes arrive live', async () => {
    const { page } = ada;
    await page.getByPlaceholder('New list').fill('Trip');
    await page.getByRole('button', { name: 'Add list' }).click();
    await until('Trip', async () => (await listNames(page)).includes('Trip'));
    await openList(page, 'Trip');
    await addTask(page, 'Book the train');
    await taskRow(page, 'Book the train').waitFor();
    await page.getByRole('button', { name: 'Share' }).click();
    await page.getByRole('button', { name: 'Create invitation link' }).click();
    const link = await page.getByTestId('invite-link').inputValue();
    assert.match(link, /\?invite=/);

    // Bob opens the link in his own browser profile, signs up, and is in.
    const bob = await signUp(env, 'Bob', { url: link });
    await until('Bob sees Trip', async () => (await listNames(bob.page)).includes('Trip'));
    await bob.page
      .getByRole('alert')
      .filter({ hasText: /You joined “Trip” as editor/ })
      .waitFor();
    await openList(bob.page, 'Trip');
    await taskRow(bob.page, 'Book the train').waitFor();

    // Ada's member list shows Bob with his role, without a reload. A join sends the owner no
    // change event, so the open panel finds him by asking again (every 5 s).
    const bobMember = page.locator('.members li', { hasText: bob.email });
    await bobMember.waitFor({ timeout: 7_000 });
    assert.match(await bobMember.innerText(), /editor/i);
    assert.match(await page.locator('.members li').first().innerText(), /owner/i);
    await bob.page.getByRole('button', { name: 'Members' }).click();
    await bob.page.locator('.members li', { hasText: ada.email }).waitFor();

    // Bob adds a task: Ada sees it within 1 s of the API's answer, through /api/events + /api/sync.
    const created = bob.page.waitForResponse((r) => r.url().endsWith('/api/tasks') && r.request().method() === 'POST');
    await addTask(bob.page, 'Pack the tent');
    await created;
    const sent = Date.now();
    await taskRow(page, 'Pack the tent').waitFor({ timeout: LIVE_MS });
    const seenByAda = Date.now() - sent;

    // And the other way: Ada completes a task, Bob sees it done.
    const completed = page.waitForResponse((r) => r.url().includes('/complete'));
    await taskRow(page, 'Book the train').getByRole('checkbox').check();
    await completed;
    const sent2 = Date.now();
    await until(
      'Bob sees it completed',
      async () => (await taskRow(bob.page, 'Book the train').getAttribute('class')).includes('done'),
      LIVE_MS,
    );
    const seenByBob = Date.now() - sent2;
    // A second tab of Ada's (same profile, same IndexedDB queue) is kept current the same way.
    const tab = await ada.context.newPage();
    await tab.goto(env.appUrl);
    await openList(tab, 'Trip');
    await synced(tab);
    const added = page.waitForResponse((r) => r.url().endsWith('/api/tasks') && r.request().method() === 'POST');
    await addTask(page, 'Renew passports');
    await added;
    const sent3 = Date.now();
    await taskRow(tab, 'Renew passports').waitFor({ timeout: LIVE_MS });
    const seenByTab = Date.now() - sent3;
    await tab.close();
    process.stderr.write(
      `# live: Ada saw Bob's task after ${seenByAda} ms, Bob saw Ada's after ${seenByBob} ms, Ada's second tab after ${seenByTab} ms\n`,
    );
    await page.screenshot({ path: join(ARTIFACTS, 'shared-list-owner.png') });
    env.bob = bob;
  });

  it('answers a 412 with an offer to reload when someone else saved the task first', async () => {
    const { page } = ada;
    const { page: bobPage } = env.bob;
    await taskRow(page, 'Pack the tent').locator('.task-title').click();
    // The row's title changes under the open form when Bob saves: find the form by itself.
    const editor = page.locator('.editor');
    await editor.getByLabel('Title').fill('Pack the big tent');
    // Wait until the editor holds the task's ETag (its GET answered).
    await page.waitForTimeout(300);

    await taskRow(bobPage, 'Pack the tent').locator('.task-title').click();
    const bobEditor = taskRow(bobPage, 'Pack the tent').locator('.editor');
    await bobEditor.getByLabel('Title').fill('Pack the tent and stakes');
    await bobEditor.getByRole('button', { name: 'Save' }).click();
    await taskRow(bobPage, 'Pack the tent and stakes').waitFor();

    const answer = page.waitForResponse((r) => r.request().method() === 'PATCH');
    await editor.getByRole('button', { name: 'Save' }).click();
    assert.equal((await answer).status(), 412);
    const conflict = page.locator('.conflict');
    await conflict.waitFor();
    await conflict.getByRole('button', { name: 'Reload their version' }).click();
    const reloaded = editor.getByLabel('Title');
    await until('their title in the form', async () => (await reloaded.inputValue()) === 'Pack the tent and stakes');
    await editor.getByRole('button', { name: 'Save' }).click();
    await editor.waitFor({ state: 'detached' });
  });

  it('works offline: changes show at once, are queued, and are pushed exactly once when back online', async () => {
    const { page, context } = ada;
    const { page: bobPage } = env.bob;
    const pushes = [];
    page.on('request', (r) => r.url().endsWith('/api/sync/push') && pushes.push(r.postDataJSON()));

    await context.setOffline(true);
    await page.getByTestId('sync-state').filter({ hasText: 'Offline' }).waitFor();
    await addTask(page, 'Buy sunscreen');
    await taskRow(page, 'Buy sunscreen').waitFor({ timeout: 500 });
    assert.equal(await taskRow(page, 'Buy sunscreen').locator('.unsaved').count(), 1);
    await taskRow(page, 'Pack the tent and stakes').getByRole('checkbox').check();
    await taskRow(page, 'Book the train')
      .getByRole('button', { name: /Delete/ })
      .click();
    await taskRow(page, 'Book the train').waitFor({ state: 'detached', timeout: 500 });
    // A list and a category made offline show at once too (a temp: id), and the list takes tasks.
    await page.getByPlaceholder('New list').fill('Camping');
    await page.getByRole('button', { name: 'Add list' }).click();
    await until('list Camping', async () => (await listNames(page)).includes('Camping'), 500);
    await page.getByPlaceholder('New category').fill('Outdoors');
    await page.getByRole('button', { name: 'Add category' }).click();
    await page.locator('.categories .chip', { hasText: 'Outdoors' }).waitFor({ timeout: 500 });
    await openList(page, 'Camping');
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByLabel('List name').fill('Camping gear');
    // exact: the sidebar's "not saved yet" markers hold "save" too.
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.locator('.list-header h2', { hasText: 'Camping gear' }).waitFor({ timeout: 500 });
    await addTask(page, 'Buy a stove');
    await taskRow(page, 'Buy a stove').waitFor({ timeout: 500 });
    assert.deepEqual(await listNames(page), ['Inbox', 'Groceries', 'Trip', 'Camping gear']);
    await page.getByTestId('sync-state').filter({ hasText: 'Offline: 7 changes waiting' }).waitFor();
    await openList(page, 'Trip');
    // Nothing reached the server or Bob.
    await bobPage.waitForTimeout(500);
    assert.equal(await taskRow(bobPage, 'Buy sunscreen').count(), 0);
    assert.equal(pushes.length, 0);

    await context.setOffline(false);
    await synced(page);
    await taskRow(bobPage, 'Buy sunscreen').waitFor({ timeout: 5_000 });
    await taskRow(bobPage, 'Book the train').waitFor({ state: 'detached', timeout: 5_000 });
    await until('Bob sees it completed', async () =>
      (await taskRow(bobPage, 'Pack the tent and stakes').getAttribute('class')).includes('done'),
    );
    // The dot goes once a pull shows the server has the change (its last_mutation_id covers it).
    await taskRow(page, 'Buy sunscreen').locator('.unsaved').waitFor({ state: 'detached' });

    // Offline and online again: nothing is sent twice.
    await context.setOffline(true);
    await context.setOffline(false);
    await page.reload();
    await openList(page, 'Trip');
    await taskRow(page, 'Buy sunscreen').waitFor();
    const { rows } = await env.sql.query("SELECT count(*)::int AS n FROM tasks WHERE title = 'Buy sunscreen'");
    assert.equal(rows[0].n, 1);
    const count = async (sql) => (await env.sql.query(`SELECT count(*)::int AS n ${sql}`)).rows[0].n;
    assert.equal(await count("FROM lists WHERE name LIKE 'Camping%'"), 1);
    assert.equal(await count("FROM lists l JOIN tasks t ON t.list_id = l.id WHERE l.name = 'Camping gear'"), 1);
    assert.equal(await count("FROM tasks WHERE title = 'Buy a stove'"), 1);
    assert.equal(await count("FROM categories WHERE name = 'Outdoors'"), 1);
    const sentIds = pushes.flatMap((body) => body.mutations.map((m) => m.id));
    assert.deepEqual(sentIds, [...new Set(sentIds)], 'no mutation pushed twice');
    assert.equal(sentIds.length, 7);
    assert.equal(await page.locator('li.task[data-task="Buy sunscreen"]').count(), 1);
    await openList(page, 'Camping gear');
    await taskRow(page, 'Buy a stove').waitFor();
    assert.equal(await page.locator('#sidebar .unsaved').count(), 0);
  });

  it('lets the owner make a member a viewer (read-only but for their own labels), and a member leave', async () => {
    const { page } = ada;
    const { page: bobPage, email } = env.bob;
    await openList(page, 'Trip');
    if (!(await page.locator('.share').isVisible())) await page.getByRole('button', { name: 'Share' }).click();
    const changed = page.waitForResponse((r) => r.request().method() === 'PATCH' && r.url().includes('/members/'));
    await page.getByLabel(`Role of ${email}`).selectOption('viewer');
    assert.equal((await changed).status(), 200);

    // Bob's role arrives through sync (a list is sent again when the caller's role changes).
    await bobPage.locator('.list-header h2 .role', { hasText: 'viewer' }).waitFor();
    assert.equal(await bobPage.locator('#new-task').count(), 0);
    assert.ok(await taskRow(bobPage, 'Buy sunscreen').getByRole('checkbox').isDisabled());

    // A viewer may still put their own labels on a task; the owner never sees them.
    await bobPage.getByPlaceholder('New category').fill('Mine');
    await bobPage.getByRole('button', { name: 'Add category' }).click();
    await taskRow(bobPage, 'Buy sunscreen').locator('.task-title').click();
    await bobPage.locator('.editor').getByRole('button', { name: 'Mine' }).click();
    await bobPage.locator('.editor').getByRole('button', { name: 'Save' }).click();
    await taskRow(bobPage, 'Buy sunscreen').locator('.meta .chip', { hasText: 'Mine' }).waitFor();
    assert.equal(await taskRow(page, 'Buy sunscreen').locator('.meta .chip').count(), 0);

    if (!(await bobPage.locator('.share').isVisible())) await bobPage.getByRole('button', { name: 'Members' }).click();
    await bobPage.getByRole('button', { name: 'Leave this list' }).click();
    await until('Trip gone for Bob', async () => !(await listNames(bobPage)).includes('Trip'));
    await page.locator('.members li', { hasText: email }).waitFor({ state: 'detached', timeout: 7_000 });
  });

  it('is usable at phone width: the lists fold into a menu', async () => {
    const phone = await signUp(env, 'Pat', { viewport: { width: 390, height: 844 } });
    const { page } = phone;
    assert.equal(await page.locator('#sidebar').isVisible(), false);
    await addTask(page, 'From my phone');
    await taskRow(page, 'From my phone').waitFor();
    await page.getByRole('button', { name: 'Lists' }).click();
    await page.locator('#sidebar').waitFor();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `no sideways scrolling (${width}px)`);
    await page.screenshot({ path: join(ARTIFACTS, 'phone.png') });
    await phone.context.close();
  });

  it('threw no uncaught errors in any page', () => {
    assert.deepEqual([...ada.errors, ...(env.bob?.errors ?? [])], []);
  });
});
