import { configNamespace } from './config-namespace.js';

export const databaseConfig = configNamespace('database', (env) => {
  if (!env.databaseUrl) {
    // main.ts starts the embedded PostgreSQL and passes its URL in the environment it parsed.
    throw new Error('DATABASE_URL is not set and no embedded PostgreSQL was started');
  }
  return {
    url: env.databaseUrl,
    poolSize: env.dbPoolSize,
    poolRecycleSeconds: env.dbPoolRecycleSeconds,
    connectAttempts: env.dbConnectAttempts,
    connectRetryDelayMs: env.dbConnectRetryDelayMs,
  };
});
