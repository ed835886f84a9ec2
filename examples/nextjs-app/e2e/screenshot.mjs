/**
 * The README's screenshot (docs/nextjs-app.png): the app with a little data, taken in Debian's
 * Chromium like the tests. `node e2e/screenshot.mjs` from examples/nextjs-app, after `npm run build`
 * at the repository root.
 */
import { join } from 'node:path';
import { REPOSITORY } from '../scripts/stack.mjs';
import { addTask, openList, signUp, startAll, synced, taskRow } from './harness.mjs';

const env = await startAll();
try {
  const ada = await signUp(env, 'Ada', { email: 'ada@example.com' });
  const { page } = ada;
  for (const [name, color] of [
    ['Home', '#22c55e'],
    ['Errands', '#f59e0b'],
    ['Urgent', '#ef4444'],
  ]) {
    await page.getByPlaceholder('New category').fill(name);
    await page.locator('.categories input[type="color"]').fill(color);
    await page.getByRole('button', { name: 'Add category' }).click();
    await page.locator('.categories .chip', { hasText: name }).waitFor();
  }
  for (const name of ['Weekend trip', 'Groceries']) {
    await page.getByPlaceholder('New list').fill(name);
    await page.getByRole('button', { name: 'Add list' }).click();
    await page.locator('nav .lists button', { hasText: name }).waitFor();
  }
  await openList(page, 'Weekend trip');
  const tasks = [
    ['Book the train', '2030-06-12', ['Urgent']],
    ['Pack the tent', '2030-06-13', ['Home']],
    ['Buy sunscreen', '2030-06-13', ['Errands']],
    ['Check the weather', null, []],
  ];
  for (const [title, due] of tasks) {
    await addTask(page, title, due);
    await taskRow(page, title).waitFor();
  }
  for (const [title, , labels] of tasks) {
    if (!labels.length) continue;
    await taskRow(page, title).locator('.task-title').click();
    const editor = page.locator('.editor');
    for (const label of labels) await editor.getByRole('button', { name: label }).click();
    await editor.getByRole('button', { name: 'Save' }).click();
    await editor.waitFor({ state: 'detached' });
  }
  await taskRow(page, 'Pack the tent').locator('.task-title').click();
  for (const sub of ['Tent pegs', 'Sleeping bags']) {
    await page.locator('.editor').getByPlaceholder('Add a subtask').fill(sub);
    await page.locator('.editor').getByRole('button', { name: 'Add subtask' }).click();
    await page.locator(`.editor li[data-subtask="${sub}"]`).waitFor();
  }
  await page
    .locator('.editor')
    .getByRole('checkbox', { name: /Tent pegs/ })
    .check();
  await page.locator('.editor').getByRole('button', { name: 'Close' }).click();
  await taskRow(page, 'Check the weather').getByRole('checkbox').check();
  await page.getByRole('button', { name: 'Share' }).click();
  await page.getByRole('button', { name: 'Create invitation link' }).click();
  await page.getByTestId('invite-link').waitFor();
  const bob = await signUp(env, 'Bob', {
    url: await page.getByTestId('invite-link').inputValue(),
    email: 'bob@example.com',
  });
  await page.locator('.members li', { hasText: bob.email }).waitFor({ timeout: 7_000 });
  await synced(page);
  await page.mouse.move(0, 0);
  const file = join(REPOSITORY, 'docs', 'nextjs-app.png');
  await page.screenshot({ path: file });
  console.log(`wrote ${file}`);
} finally {
  await env.stop();
}
