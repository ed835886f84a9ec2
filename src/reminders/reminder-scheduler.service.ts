import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Counter } from 'prom-client';
import { syncConfig } from '../config/sync.config.js';
import { ChangeAnnouncer } from '../live/change-announcer.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { RemindersRepository } from './reminders.repository.js';

/** Reminders claimed per statement: about 9 ms for 100 (docs/live-updates.md), so owners' rows are held briefly. */
const BATCH = 100;
/** On shutdown, how long to wait for a claim under way before letting the pool close. */
const STOP_WAIT_MS = 1_000;

/**
 * Fires reminders: every REMINDER_POLL_MS each instance claims the due ones, each announced once on
 * `task_reminders` however many instances poll. With n instances a due reminder waits about
 * REMINDER_POLL_MS / (2n) on average and at most REMINDER_POLL_MS, plus the claim itself.
 */
@Injectable()
export class ReminderScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ReminderScheduler.name);
  private readonly fired: Counter;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  private failing = false;

  constructor(
    @Inject(syncConfig.KEY) private readonly config: ConfigType<typeof syncConfig>,
    private readonly reminders: RemindersRepository,
    private readonly announcer: ChangeAnnouncer,
    metrics: MetricsService,
  ) {
    this.fired = metrics.counter('reminders_fired_total', 'Reminders claimed and announced by this instance');
  }

  /** After start-up (migrations have run); the first poll at a random point, so instances do not poll in step. */
  onApplicationBootstrap(): void {
    this.schedule(Math.random() * this.config.reminderPollMs);
  }

  /** Before the pool closes: no new poll, and the one under way (one statement) is let finish. */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.running) await Promise.race([this.running, sleep(STOP_WAIT_MS, undefined, { ref: false })]);
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.poll().finally(() => {
        this.running = undefined;
        this.schedule(this.config.reminderPollMs);
      });
    }, delay);
    this.timer.unref();
  }

  /** Claims every due reminder it can, a batch at a time; never throws. */
  private async poll(): Promise<void> {
    if (!this.reminders.ready) return;
    try {
      for (;;) {
        const { claimed, looked } = await this.reminders.claimDue(BATCH);
        this.fired.inc(claimed.length);
        // The claim stamped each task with its owner's next change (reminded_at is synced): like
        // any committed write, that is announced to the owners' streams (ChangeAnnouncer).
        for (const userId of new Set(claimed.map((task) => task.user_id))) this.announcer.announce(userId);
        // A full batch: more may be due. None claimed: their owners are writing, so wait for the next poll.
        if (this.stopped || !claimed.length || looked < BATCH) break;
      }
      if (this.failing) this.logger.log('Reminders: claiming due reminders works again');
      this.failing = false;
    } catch (error) {
      // Once per streak of failures (a database restart would otherwise log every interval).
      if (!this.failing) {
        this.logger.warn(
          `Reminders: could not claim due reminders (${messageOf(error)}); trying again every ${this.config.reminderPollMs} ms`,
        );
      }
      this.failing = true;
    }
  }
}

function messageOf(error: unknown): string {
  const { message, code } = (error ?? {}) as { message?: string; code?: string };
  return message || code || String(error);
}
