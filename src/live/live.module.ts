import { Global, Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { AfterCommit } from '../database/user-writes.js';
import { SyncModule } from '../sync/sync.module.js';
import { ChangeAnnouncer } from './change-announcer.service.js';
import { ChangeListener } from './change-listener.service.js';
import { EventStreamsService } from './event-streams.service.js';
import { EventsController } from './events.controller.js';

/**
 * Live updates, both ends of one channel: ChangeAnnouncer tells PostgreSQL of committed writes,
 * ChangeListener hears every instance's announcements, and EventStreamsService serves them on
 * GET /api/events, catching up from the change log (SyncModule) when an announcement was missed.
 * Global, so that the write path (UserWrites' AfterCommit) and the reminders announce through it.
 */
@Global()
@Module({
  imports: [AuthModule, SyncModule],
  controllers: [EventsController],
  providers: [
    ChangeAnnouncer,
    { provide: AfterCommit, useExisting: ChangeAnnouncer },
    ChangeListener,
    EventStreamsService,
  ],
  exports: [ChangeAnnouncer, AfterCommit],
})
export class LiveModule {}
