import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** A database of its own on the run's PostgreSQL server, dropped when the test file is done. */
export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

export function serverUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url)
    throw new Error('TEST_DATABASE_URL is not set: run e2e tests through jest (see test/support/global-setup.mjs)');
  return url;
}

/** `server` defaults to the run's server; a test that stops and starts its own passes that one's URL. */
export async function createTestDatabase(prefix = 'e2e', server = serverUrl()): Promise<TestDatabase> {
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: server });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
  } finally {
    await admin.end();
  }
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      const client = new Client({ connectionString: server });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
