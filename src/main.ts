import { Logger } from '@nestjs/common';
import { join } from 'node:path';
import { createApp } from './app.js';
import { DATA_DIR, readEnvironment } from './config/environment.js';
import { ConfigError, loadEnv } from './config/env.validation.js';
import { EmbeddedPostgres } from './database/embedded-postgres.js';
import { createLogger } from './logging/logger.js';
import { PinoNestLogger } from './logging/pino-nest-logger.js';

/** Time left after the last in-flight request is answered (or timed out) to close the pool and the embedded database. */
const SHUTDOWN_GRACE_MS = 5_000;

async function main(): Promise<void> {
  const logger = new Logger('Bootstrap');
  // The environment is parsed once, here, and handed to the app: nothing writes process.env.
  const { variables, secretWarning } = readEnvironment();
  let env = loadEnv(variables);
  // Start-up lines go out in the same format (JSON in production) as everything after.
  const log = createLogger(env);
  Logger.overrideLogger(new PinoNestLogger(log));
  if (secretWarning) new Logger('Config').warn(secretWarning);

  let embedded: EmbeddedPostgres | undefined;
  if (!env.databaseUrl) {
    logger.log('DATABASE_URL is not set: starting an embedded PostgreSQL');
    const pgLogger = new Logger('EmbeddedPostgres');
    const verbose = env.logLevel === 'debug' || env.logLevel === 'trace';
    const pgLog = (line: string) => {
      if (/\b(WARNING|ERROR|FATAL|PANIC):/.test(line)) pgLogger.warn(line);
      else if (verbose) pgLogger.debug(line);
    };
    const notice = (line: string, level: 'info' | 'warn') => (level === 'warn' ? logger.warn(line) : logger.log(line));
    embedded = await EmbeddedPostgres.start({ dataDir: join(DATA_DIR, 'postgres'), log: pgLog, notice });
    env = { ...env, databaseUrl: embedded.url };
    logger.log(`Embedded PostgreSQL is ready on 127.0.0.1:${embedded.port}, its data in ${embedded.dataDir}`);
  }

  logger.log('Connecting to the database and running migrations');
  const app = await createApp({ env, logger: log }).catch(async (error) => {
    await embedded?.stop();
    throw error;
  });
  await app.listen({ port: env.port, host: env.host });
  const shown = env.host === '0.0.0.0' || env.host === '::' ? 'localhost' : env.host;
  logger.log(`Listening on http://${shown}:${env.port} (API docs: http://${shown}:${env.port}/docs)`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal} received: finishing in-flight requests, then stopping`);
    const deadline = env.requestTimeoutMs + SHUTDOWN_GRACE_MS;
    const force = setTimeout(() => {
      logger.error(`Shutdown took longer than ${deadline} ms; exiting anyway`);
      process.exit(1);
    }, deadline).unref();
    await app.close();
    await embedded?.stop();
    clearTimeout(force);
    logger.log('Stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    for (const problem of error.problems) console.error(`Configuration error: ${problem}`);
  } else {
    console.error(`Start-up failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.exit(1);
});
