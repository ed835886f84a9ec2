import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CategoriesModule } from '../categories/categories.module.js';
import { ListsModule } from '../lists/lists.module.js';
import { TasksModule } from '../tasks/tasks.module.js';
import { SyncClientObject } from './entities/sync-client-object.entity.js';
import { SyncClient } from './entities/sync-client.entity.js';
import { SyncTombstone } from './entities/sync-tombstone.entity.js';
import { UserChange } from './entities/user-change.entity.js';
import { SyncController } from './sync.controller.js';
import { SyncRepository } from './sync.repository.js';
import { PushRepository } from './push.repository.js';
import { PushService } from './push.service.js';
import { SyncService } from './sync.service.js';
import { TombstonePurgeService } from './tombstone-purge.service.js';

/**
 * Delta sync: GET /api/sync reads the change log (each synced row's stamp, and tombstones);
 * POST /api/sync/push applies a client's queued changes through the feature services.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([UserChange, SyncTombstone, SyncClient, SyncClientObject]),
    TasksModule,
    CategoriesModule,
    ListsModule,
  ],
  controllers: [SyncController],
  providers: [SyncService, SyncRepository, PushService, PushRepository, TombstonePurgeService],
  // The live event streams catch up from the change log.
  exports: [SyncRepository],
})
export class SyncModule {}
