import { Module } from '@nestjs/common';
import { MetricsModule } from '../metrics/metrics.module.js';
import { ReminderScheduler } from './reminder-scheduler.service.js';
import { RemindersRepository } from './reminders.repository.js';

/** Fires tasks' reminders: each instance claims the due ones and announces each once (live/channels.ts). */
@Module({
  imports: [MetricsModule],
  providers: [ReminderScheduler, RemindersRepository],
})
export class RemindersModule {}
