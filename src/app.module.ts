import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AppController } from './app.controller';
import { AuthModule } from './auth/auth.module';
import { ProblemFilter } from './common/problem.filter';
import { StrictValidationPipe } from './common/validation.pipe';
import { appConfig } from './config/app.config';
import { authConfig } from './config/auth.config';
import { databaseConfig } from './config/database.config';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { TasksModule } from './tasks/tasks.module';

@Module({
  imports: [
    ConfigModule.forRoot({
      isGlobal: true,
      // main.ts reads .env (prepareEnvironment) and createApp validates the whole environment
      // before this module is built, so every problem is reported at once and without a stack.
      ignoreEnvFile: true,
      load: [appConfig, authConfig, databaseConfig],
    }),
    DatabaseModule,
    AuthModule,
    TasksModule,
    HealthModule,
    MetricsModule,
  ],
  controllers: [AppController],
  providers: [
    { provide: APP_PIPE, useClass: StrictValidationPipe },
    { provide: APP_FILTER, useClass: ProblemFilter },
  ],
})
export class AppModule {}
