import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`): no browser is ever downloaded. */
export const CHROMIUM = '/usr/bin/chromium';

/** Headless and quiet: no GPU, sandbox (root in containers), first-run UI or background traffic. */
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

/** Screenshots for a person to look at; gitignored. */
export const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts');

const ci = !!process.env.CI && process.env.CI !== 'false';
const installed = existsSync(CHROMIUM);

/**
 * `describe` for browser tests. Without Chromium they are skipped, saying so, but only on a
 * developer's machine: under CI they run, and fail if Chromium is missing.
 */
export function describeInBrowser(name: string, body: () => void): void {
  if (installed || ci) {
    describe(name, body);
    return;
  }
  describe.skip(name, body);
  console.warn(
    `Skipping "${name}": Chromium is not installed at ${CHROMIUM} (apt-get install chromium). Under CI=true these tests run.`,
  );
}

export async function launchChromium(): Promise<Browser> {
  if (!installed)
    throw new Error(
      `Chromium is required for the browser tests but ${CHROMIUM} does not exist: apt-get install -y chromium`,
    );
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}
