import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS, describeInBrowser, launchChromium } from './support/browser.js';
import { createTestApp, type Session, type TestApp } from './support/test-app.js';

describeInBrowser('Swagger UI at /docs in Chromium', () => {
  let t: TestApp;
  let session: Session;
  let browser: Browser;
  let page: Page;
  let base: string;
  const problems: string[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = await t.app.getUrl();
    session = await t.signUp({ email: 'docs-reader@example.com' });
    await t.request({
      method: 'POST',
      url: '/api/tasks',
      token: session.token,
      body: { title: 'Tried out in Swagger UI', priority: 'high' },
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    // A CSP that blocks Swagger UI's scripts or styles shows up here.
    page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
    page.on('pageerror', (error) => problems.push(error.message));
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('loads under the service CSP', async () => {
    await page.goto(`${base}/docs`);
    await page.locator('.swagger-ui .info .title').filter({ hasText: 'Todo API' }).waitFor();
    expect(problems).toEqual([]);
  });

  it('authorizes with a token and runs "Try it out" on the task list: 200', async () => {
    await page.locator('button.authorize').first().click();
    const modal = page.locator('.modal-ux');
    await modal.locator('input').first().fill(session.token);
    await modal.locator('.auth-btn-wrapper button.authorize').click();
    await modal.locator('.auth-btn-wrapper button.btn-done').click();

    const list = page
      .locator('.opblock-get')
      .filter({ has: page.locator('.opblock-summary-path[data-path="/api/tasks"]') });
    await list.locator('.opblock-summary').click();
    await list.locator('button.try-out__btn').click();
    await list.locator('button.execute').click();

    const live = list.locator('.live-responses-table .response').first();
    await expect(live.locator('.response-col_status').textContent()).resolves.toMatch(/^\s*200/);
    await expect(live.locator('.response-col_description').textContent()).resolves.toContain('Tried out in Swagger UI');
    await expect(list.locator('.curl-command').textContent()).resolves.toContain(
      `Authorization: Bearer ${session.token}`,
    );
    // The operation with its parameters, the request sent and the 200 with the task, for a person to check.
    await list.screenshot({ path: join(ARTIFACTS, 'swagger-ui-try-it-out.png') });
    expect(problems).toEqual([]);
  });
});
