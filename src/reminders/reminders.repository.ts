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
 * The claim, in one statement and so in one transaction:
 *
 * 1. `candidates`: the oldest due reminders, at most the limit, off the partial index
 *    `tasks_pending_reminders_idx` (`remind_at <= now()` implies its `remind_at IS NOT NULL`). An idle
 *    poll reads one index page and stops.
 * 2. `owners`: their owners' `user_changes` rows, locked with SKIP LOCKED. The change trigger locks
 *    the owner's row for each task it stamps, so holding them first means the UPDATE below never
 *    waits for one; an owner whose row is held (a write of theirs is under way, or another scheduler
 *    is claiming for them) is left to the next poll. Every task's owner has a row: the trigger
 *    creates it with the owner's first task.
 * 3. `due`: the candidates of those owners, locked with SKIP LOCKED, still due and not yet sent (a
 *    row that was changed and committed since the statement began is checked again as it is now).
 * 4. `claimed`: `reminded_at = now()` on exactly those rows.
 * 5. One pg_notify per claimed row, which PostgreSQL delivers on commit only: a claim that rolls back
 *    announces nothing, and a reminder is announced once however many instances poll.
 *
 * Nothing in it waits for a lock, so it cannot take part in a deadlock with another scheduler or
 * with a user's multi-row write, whatever order those lock in.
 *
 * It sets neither `version` nor `updated_at`: `reminded_at` is read-only server state that no client
 * write can overwrite, so If-Match has nothing to protect there, and a reminder firing while a client
 * edits its task must not turn that client's save into a 412 (nor move the task in a list sorted by
 * `updated_at`). The trigger still stamps the row with a new `change_seq`, so `/api/sync` and a
 * `change` event bring the new `reminded_at` to every device.
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
