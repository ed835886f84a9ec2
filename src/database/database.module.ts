import { Global, Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { TypeOrmModule, type TypeOrmModuleOptions } from '@nestjs/typeorm';
import type { DataSourceOptions } from 'typeorm';
import { databaseConfig } from '../config/database.config.js';
import { dataSourceOptions, type OpenSettings, openDatabase } from './data-source.js';
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
        // openDatabase retries with one clear line per attempt (DB_CONNECT_ATTEMPTS); TypeORM's own
        // retry would add a stack trace per attempt, so it is told never to retry.
        toRetry: () => false,
        // For dataSourceFactory, which is given these options and nothing else.
        settings: config,
      }),
      dataSourceFactory: async (options) => {
        const { settings, ...dataSource } = options as TypeOrmModuleOptions & { settings: OpenSettings };
        return openDatabase(dataSource as DataSourceOptions, settings);
      },
    }),
  ],
  // Global, so that every feature writes its users' rows through the same UserWrites.
  providers: [UserWrites],
  exports: [UserWrites],
})
export class DatabaseModule {}
