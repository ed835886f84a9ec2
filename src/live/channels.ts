/**
 * The two PostgreSQL NOTIFY channels of live updates. Their senders are SQL (the announcer's
 * `announce_user_changes()`, the reminder claim); their one listener is ChangeListener.
 */

/** `<user id>:<stamp>`: the user's newest committed change stamp (ChangeAnnouncer). */
export const CHANGE_CHANNEL = 'user_changes';

/**
 * `{"user_id", "task_id", "title", "remind_at"}`, sent once by the instance that claims the reminder,
 * in the claiming transaction; every instance passes it on to that user's streams.
 */
export const REMINDER_CHANNEL = 'task_reminders';

/** A reminder as the streams send it (the channel's payload without `user_id`). */
export interface Reminder {
  task_id: number;
  title: string;
  remind_at: string;
}
