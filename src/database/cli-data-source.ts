import { DataSource } from 'typeorm';
import { readEnvironment } from '../config/environment.js';
import { loadEnv } from '../config/env.validation.js';
import { ENTITIES } from '../entities.js';
import { dataSourceOptions } from './data-source.js';

/**
 * The TypeORM CLI's data source (`npm run migration:run|revert|generate`): the app's connection
 * settings, pointed at DATABASE_DIRECT_URL (else DATABASE_URL) from the environment or `.env`, as
 * the app migrates over the direct URL too. Kept apart from data-source.ts so that importing the
 * app never reads the environment or builds a connection as a side effect.
 */
function cliDataSource(): DataSource {
  const env = loadEnv(readEnvironment().variables);
  if (!env.databaseUrl) {
    // The app starts its embedded PostgreSQL itself and migrates it on start-up; the CLI only
    // works on a database it is pointed at. One clear line instead of the CLI's stack trace.
    console.error(
      'DATABASE_URL is not set: set it to the database to migrate, e.g. DATABASE_URL=postgres://user:password@host:5432/todo. ' +
        'For the embedded development database, start the app (it applies pending migrations itself) and use ' +
        'postgres://postgres:<password in .data/postgres-password>@127.0.0.1:<port it logs>/todo.',
    );
    process.exit(1);
  }
  return new DataSource({
    ...dataSourceOptions({ url: env.databaseDirectUrl ?? env.databaseUrl, poolSize: 1, poolRecycleSeconds: 0 }),
    entities: ENTITIES,
  });
}

export default cliDataSource();
