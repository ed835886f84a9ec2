import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { Client } from 'pg';
import { databaseConfig } from '../config/database.config.js';
import { CHANGE_CHANNEL, REMINDER_CHANNEL, type Reminder } from './channels.js';

/** A LISTEN connection can die without a word (a half-open TCP peer): a light query finds out. */
const PING_EVERY_MS = 30_000;

const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 5_000;

export type ChangeHandler = (userId: string, seq: number) => void;

export type ReminderHandler = (userId: string, reminder: Reminder) => void;

/**
 * One LISTEN connection per instance, outside the pool (LISTEN needs a connection that stays), hearing
 * every instance's announcements. It reconnects with backoff; notifications sent meanwhile are lost,
 * so every (re)connection is reported and the streams catch up from the database.
 */
@Injectable()
export class ChangeListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ChangeListener.name);
  private readonly changeHandlers: ChangeHandler[] = [];
  private readonly reminderHandlers: ReminderHandler[] = [];
  private readonly connectHandlers: (() => void)[] = [];
  private client?: Client;
  private retryMs = FIRST_RETRY_MS;
  private retryTimer?: NodeJS.Timeout;
  private pingTimer?: NodeJS.Timeout;
  private stopped = false;

  constructor(@Inject(databaseConfig.KEY) private readonly config: ConfigType<typeof databaseConfig>) {}

  onChange(handler: ChangeHandler): void {
    this.changeHandlers.push(handler);
  }

  onReminder(handler: ReminderHandler): void {
    this.reminderHandlers.push(handler);
  }

  /** Called after each successful LISTEN, the first included. */
  onConnect(handler: () => void): void {
    this.connectHandlers.push(handler);
  }

  /** Whether notifications are being received now. */
  get listening(): boolean {
    return this.client !== undefined;
  }

  onApplicationBootstrap(): void {
    // Not awaited: the API serves without live events rather than not at all.
    void this.connect();
    this.pingTimer = setInterval(() => {
      const client = this.client;
      client?.query('SELECT 1').catch((error: Error) => this.dropped(client, error));
    }, PING_EVERY_MS);
    this.pingTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({
      connectionString: this.config.directUrl,
      application_name: 'todo-api-listener',
      keepAlive: true,
      connectionTimeoutMillis: 5_000,
    });
    client.on('notification', ({ channel, payload }) =>
      channel === REMINDER_CHANNEL ? this.dispatchReminder(payload) : this.dispatch(payload),
    );
    client.on('error', (error) => this.dropped(client, error));
    client.on('end', () => this.dropped(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGE_CHANNEL}; LISTEN ${REMINDER_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      this.logger.warn(
        `Live events: could not listen for changes (${messageOf(error)}); retrying in ${this.retryMs} ms`,
      );
      this.scheduleRetry();
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.retryMs = FIRST_RETRY_MS;
    for (const handler of this.connectHandlers) handler();
  }

  private dropped(client: Client, error?: Error): void {
    if (this.client !== client) return;
    this.client = undefined;
    client.end().catch(() => undefined);
    if (this.stopped) return;
    this.logger.warn(`Live events: the listening connection dropped (${messageOf(error)}); reconnecting`);
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), this.retryMs);
    this.retryTimer.unref();
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
  }

  private dispatch(payload: string | undefined): void {
    // A user id may itself contain ':' (it is the token's `sub`): the stamp is after the last one.
    const at = payload?.lastIndexOf(':') ?? -1;
    if (!payload || at < 0) return;
    const seq = Number(payload.slice(at + 1));
    if (!Number.isSafeInteger(seq)) return;
    const userId = payload.slice(0, at);
    for (const handler of this.changeHandlers) handler(userId, seq);
  }

  private dispatchReminder(payload: string | undefined): void {
    let parsed: Partial<Reminder> & { user_id?: unknown };
    try {
      parsed = JSON.parse(payload ?? '') as typeof parsed;
    } catch {
      return;
    }
    const { user_id: userId, task_id, title, remind_at } = parsed;
    if (typeof userId !== 'string' || typeof task_id !== 'number' || typeof title !== 'string') return;
    if (typeof remind_at !== 'string') return;
    for (const handler of this.reminderHandlers) handler(userId, { task_id, title, remind_at });
  }
}

function messageOf(error: unknown): string {
  if (!error) return 'connection closed';
  const { message, code } = error as { message?: string; code?: string };
  return message || code || 'unknown error';
}
