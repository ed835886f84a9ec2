import { configNamespace } from './config-namespace.js';

export const databaseConfig = configNamespace('database', (env) => {
  if (!env.databaseUrl) {
    // main.ts starts the embedded PostgreSQL and passes its URL in the environment it parsed.
    throw new Error('DATABASE_URL is not set and no embedded PostgreSQL was started');
  }
  return {
    url: env.databaseUrl,
    /** Migrations and the LISTEN connection: a session of their own, never a transaction pooler's. */
    directUrl: env.databaseDirectUrl ?? env.databaseUrl,
    /** Whether DATABASE_DIRECT_URL was given (start-up warns when it is missing behind a pooler). */
    directUrlSet: env.databaseDirectUrl !== undefined,
    preparedStatements: env.dbPreparedStatements,
    poolSize: env.dbPoolSize,
    poolRecycleSeconds: env.dbPoolRecycleSeconds,
    connectAttempts: env.dbConnectAttempts,
    connectRetryDelayMs: env.dbConnectRetryDelayMs,
  };
});
