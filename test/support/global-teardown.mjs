import { rmSync } from 'node:fs';

/** Stops the embedded PostgreSQL that global-setup.mjs started, if it started one. */
export default async function globalTeardown() {
  await globalThis.__EMBEDDED_PG__?.stop();
  if (process.env.TEST_EMBEDDED_PG_DIR) rmSync(process.env.TEST_EMBEDDED_PG_DIR, { recursive: true, force: true });
}
