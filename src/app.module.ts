import { type DynamicModule, Module, type ModuleMetadata } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AppController } from './app.controller.js';
import { AuthModule } from './auth/auth.module.js';
import { CategoriesModule } from './categories/categories.module.js';
import { ProblemFilter } from './common/problem.filter.js';
import { StrictValidationPipe } from './common/validation.pipe.js';
import { configModule } from './config/config.module.js';
import type { Env } from './config/env.validation.js';
import { DatabaseModule } from './database/database.module.js';
import { HealthModule } from './health/health.module.js';
import { ListsModule } from './lists/lists.module.js';
import { LiveModule } from './live/live.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { RemindersModule } from './reminders/reminders.module.js';
import { SyncModule } from './sync/sync.module.js';
import { TasksModule } from './tasks/tasks.module.js';

/** What the application is made of, apart from its configuration. */
const APPLICATION = {
  imports: [
    DatabaseModule,
    AuthModule,
    TasksModule,
    CategoriesModule,
    ListsModule,
    SyncModule,
    LiveModule,
    RemindersModule,
    HealthModule,
    MetricsModule,
  ],
  controllers: [AppController],
  providers: [
    { provide: APP_PIPE, useClass: StrictValidationPipe },
    { provide: APP_FILTER, useClass: ProblemFilter },
  ],
} satisfies ModuleMetadata;

/**
 * The application as `npm run openapi` reads it in preview mode: routes and DTOs, and no provider
 * built, so its configuration namespaces are declared but never loaded. createApp() builds
 * AppModule.forRoot(env) instead: the same application, configured from the environment parsed
 * (and validated, every problem at once) before the module is built.
 */
@Module({ ...APPLICATION, imports: [configModule(undefined), ...APPLICATION.imports] })
export class AppModule {
  static forRoot(env: Env): DynamicModule {
    return { module: ConfiguredAppModule, ...APPLICATION, imports: [configModule(env), ...APPLICATION.imports] };
  }
}

@Module({})
class ConfiguredAppModule {}
