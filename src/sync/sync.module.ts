import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CategoriesModule } from '../categories/categories.module.js';
import { ListsModule } from '../lists/lists.module.js';
import { TasksModule } from '../tasks/tasks.module.js';
import { SyncTombstone } from './entities/sync-tombstone.entity.js';
import { UserChange } from './entities/user-change.entity.js';
import { SyncController } from './sync.controller.js';
import { SyncRepository } from './sync.repository.js';
import { SyncService } from './sync.service.js';
import { TombstonePurgeService } from './tombstone-purge.service.js';

/** Delta sync: GET /api/sync reads the change log (each synced row's stamp, and tombstones). */
@Module({
  imports: [TypeOrmModule.forFeature([UserChange, SyncTombstone]), TasksModule, CategoriesModule, ListsModule],
  controllers: [SyncController],
  providers: [SyncService, SyncRepository, TombstonePurgeService],
  // The live event streams catch up from the change log.
  exports: [SyncRepository],
})
export class SyncModule {}
