import { registerAs } from '@nestjs/config';
import { loadEnv } from './env.validation.js';

export const databaseConfig = registerAs('database', () => {
  const env = loadEnv();
  if (!env.databaseUrl) {
    // main.ts starts the embedded PostgreSQL and sets DATABASE_URL before the app is built.
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
