import { Global, Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { TypeOrmModule, type TypeOrmModuleOptions } from '@nestjs/typeorm';
import { databaseConfig } from '../config/database.config.js';
import { connectWithRetry, dataSourceOptions, runMigrations } from './data-source.js';
import { UserWrites } from './user-writes.js';

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [databaseConfig.KEY],
      useFactory: (config: ConfigType<typeof databaseConfig>) => ({
        ...dataSourceOptions(config),
        // Each feature module registers its entities (TypeOrmModule.forFeature).
        autoLoadEntities: true,
        // connectWithRetry retries with one clear line per attempt; TypeORM's own retry would add
        // a stack trace per attempt, so it is told never to retry.
        retryAttempts: config.connectAttempts,
        retryDelay: config.connectRetryDelayMs,
        toRetry: () => false,
      }),
      dataSourceFactory: async (options) => {
        const { retryAttempts, retryDelay } = options as TypeOrmModuleOptions;
        const dataSource = await connectWithRetry(options!, retryAttempts!, retryDelay!);
        await runMigrations(dataSource);
        return dataSource;
      },
    }),
  ],
  // Global, so that every feature writes its users' rows through the same UserWrites.
  providers: [UserWrites],
  exports: [UserWrites],
})
export class DatabaseModule {}
