import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth/auth.module.js';
import { CategoriesModule } from '../categories/categories.module.js';
import { MetricsModule } from '../metrics/metrics.module.js';
import { TasksModule } from '../tasks/tasks.module.js';
import { ChangeListener } from './change-listener.service.js';
import { SyncTombstone } from './entities/sync-tombstone.entity.js';
import { UserChange } from './entities/user-change.entity.js';
import { EventStreamsService } from './event-streams.service.js';
import { EventsController } from './events.controller.js';
import { ReminderScheduler } from './reminder-scheduler.service.js';
import { RemindersRepository } from './reminders.repository.js';
import { SyncController } from './sync.controller.js';
import { SyncRepository } from './sync.repository.js';
import { SyncService } from './sync.service.js';
import { TombstonePurgeService } from './tombstone-purge.service.js';

/**
 * The change cursor's readers: GET /api/sync, GET /api/events and the LISTEN/NOTIFY fan-out; and the
 * reminder scheduler, whose announcements travel the same way.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([UserChange, SyncTombstone]),
    AuthModule,
    TasksModule,
    CategoriesModule,
    MetricsModule,
  ],
  controllers: [SyncController, EventsController],
  providers: [
    SyncService,
    SyncRepository,
    ChangeListener,
    EventStreamsService,
    TombstonePurgeService,
    RemindersRepository,
    ReminderScheduler,
  ],
})
export class SyncModule {}
