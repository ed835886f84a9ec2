import type { DynamicModule } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { appConfig } from './app.config.js';
import { authConfig } from './auth.config.js';
import { databaseConfig } from './database.config.js';
import type { Env } from './env.validation.js';
import { syncConfig } from './sync.config.js';

/**
 * The configuration namespaces, global, built from the `env` main.ts (or a test) parsed once; none for
 * the preview build, which builds no provider. ConfigModule never reads .env or process.env.
 */
export function configModule(env: Env | undefined): Promise<DynamicModule> {
  return ConfigModule.forRoot({
    isGlobal: true,
    ignoreEnvFile: true,
    validatePredefined: false,
    skipProcessEnv: true,
    load: [appConfig.bind(env), authConfig.bind(env), databaseConfig.bind(env), syncConfig.bind(env)],
  });
}
