import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { REMINDER_CHANNEL } from '../live/channels.js';

/** What one claim did. */
export interface ReminderClaim {
  /** The tasks whose reminder this statement sent (and marked `reminded_at`). */
  claimed: { user_id: string; task_id: number }[];
  /** How many due reminders it looked at, at most the limit (reported only when it claimed any). */
  looked: number;
}

/**
 * The claim, in one statement (docs/live-updates.md, "Reminders"): the oldest due reminders off the
 * partial index `tasks_pending_reminders_idx` (an idle poll reads one index page); their owners'
 * `user_changes` rows, then the tasks (due rechecked as they are now), both with SKIP LOCKED;
 * `reminded_at = now()` on them; one pg_notify each, delivered on commit only, so each is sent once.
 *
 * It waits for no lock, so it takes part in no deadlock: the change trigger locks the owner's row
 * (every owner has one, made with their first task) for each task it stamps, so holding those first
 * means the UPDATE never waits; an owner whose row is held (a write, another instance's claim) is left
 * to the next poll.
 *
 * It sets neither `version` nor `updated_at`: no client writes `reminded_at`, and a reminder firing
 * while a client edits the task must not make its save a 412 (nor move it in a list by `updated_at`).
 * The trigger still stamps the row, so sync and events bring `reminded_at` to every device.
 */
const CLAIM = `
  WITH candidates AS MATERIALIZED (
    SELECT id, user_id FROM tasks
     WHERE remind_at <= now() AND reminded_at IS NULL
     ORDER BY remind_at
     LIMIT $1
  ), owners AS (
    SELECT user_id FROM user_changes
     WHERE user_id IN (SELECT user_id FROM candidates)
     FOR UPDATE SKIP LOCKED
  ), due AS (
    SELECT tasks.id FROM tasks JOIN candidates ON candidates.id = tasks.id
     WHERE candidates.user_id IN (SELECT user_id FROM owners)
       AND tasks.remind_at <= now() AND tasks.reminded_at IS NULL
     FOR UPDATE OF tasks SKIP LOCKED
  ), claimed AS (
    UPDATE tasks SET reminded_at = now() FROM due WHERE tasks.id = due.id
    RETURNING tasks.user_id, tasks.id, tasks.title, tasks.remind_at
  )
  SELECT user_id, id AS task_id, (SELECT count(*) FROM candidates)::int AS looked,
         pg_notify('${REMINDER_CHANNEL}', json_build_object(
           'user_id', user_id,
           'task_id', id,
           'title', title,
           'remind_at', to_char(remind_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
         )::text)
    FROM claimed`;

/**
 * The reminder scheduler's SQL. Unlike a user's writes (UserWrites), one claim marks the reminders
 * of many users at once: it is the server's own bookkeeping, and the change trigger keeps each
 * owner's cursor as for any write.
 */
@Injectable()
export class RemindersRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Whether the database is connected (not yet, or no longer, while the app starts or stops). */
  get ready(): boolean {
    return this.db.isInitialized;
  }

  /** Claims and announces up to `limit` due reminders. */
  async claimDue(limit: number): Promise<ReminderClaim> {
    const rows: { user_id: string; task_id: number; looked: number }[] = await this.db.query(CLAIM, [limit]);
    return {
      claimed: rows.map(({ user_id, task_id }) => ({ user_id, task_id })),
      looked: rows[0]?.looked ?? 0,
    };
  }
}
