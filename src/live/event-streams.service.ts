import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
  ServiceUnavailableException,
} from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { FastifyReply } from 'fastify';
import type { AuthUser } from '../auth/current-user.decorator.js';
import { REVOCATION_RECHECK_MS, SessionsService } from '../auth/sessions.service.js';
import { TooManyRequestsException } from '../common/problem.js';
import { syncConfig } from '../config/sync.config.js';
import { ChangeListener } from './change-listener.service.js';
import { EventStream } from './event-stream.js';
import { parseCursor } from '../sync/sync-cursor.js';
import { SyncRepository } from '../sync/sync.repository.js';

/** Below the 30-60 s idle cut of common proxies and load balancers, as the contract asks. */
export const HEARTBEAT_MS = 15_000;

/** setTimeout's limit: a token valid for longer is checked again when this runs out. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The open GET /api/events streams of this instance: at most EVENT_STREAMS_PER_USER per user here
 * (the limit is per instance: a global one would need shared state for every open and close),
 * each told of its user's committed changes by the ChangeListener, ended when its token expires or
 * its session is signed out, and all ended when the app closes so shutdown is not held open.
 */
@Injectable()
export class EventStreamsService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(EventStreamsService.name);
  private readonly byUser = new Map<string, Set<EventStream>>();
  private readonly timers: NodeJS.Timeout[] = [];
  /** Changes heard since the last flush, newest stamp per user. */
  private readonly heard = new Map<string, number>();
  private flushScheduled = false;
  private closing = false;

  constructor(
    @Inject(syncConfig.KEY) private readonly config: ConfigType<typeof syncConfig>,
    private readonly listener: ChangeListener,
    private readonly changes: SyncRepository,
    private readonly sessions: SessionsService,
  ) {}

  onApplicationBootstrap(): void {
    this.listener.onChange((userId, seq) => this.changed(userId, seq));
    this.listener.onReminder((userId, reminder) => {
      for (const stream of this.byUser.get(userId) ?? []) stream.reminder(reminder);
    });
    this.listener.onConnect(() => void this.resync(true));
    // Catches up what no announcement told: a change made with psql or a script, or one whose
    // instance stopped between its commit and its announcement.
    this.timers.push(setInterval(() => void this.resync(false), this.config.catchUpMs));
    this.timers.push(setInterval(() => this.forEach((stream) => stream.heartbeat()), HEARTBEAT_MS));
    this.timers.push(setInterval(() => void this.endRevoked(), REVOCATION_RECHECK_MS));
    for (const timer of this.timers) timer.unref();
  }

  onModuleDestroy(): void {
    this.closing = true;
    for (const timer of this.timers) clearInterval(timer);
    this.forEach((stream) => stream.end());
    this.byUser.clear();
  }

  /**
   * Opens a stream on `reply`, which is taken over from Fastify (hijacked), so the headers that its
   * hooks set (CORS, request id) are copied by hand; helmet's are already on the raw response.
   */
  async open(user: AuthUser, reply: FastifyReply, lastEventId: string | undefined): Promise<void> {
    // Between ending the streams and closing the server, a new one would hold shutdown open.
    if (this.closing) throw new ServiceUnavailableException('The server is shutting down; reconnect shortly');
    const streams = this.byUser.get(user.id) ?? new Set<EventStream>();
    if (streams.size >= this.config.streamsPerUser) {
      throw new TooManyRequestsException(
        `At most ${this.config.streamsPerUser} event streams may be open per user; close one first`,
        5,
      );
    }
    // A Last-Event-ID this service did not write is taken as "knows nothing": the client syncs once.
    const known = lastEventId === undefined ? undefined : (parseCursor(lastEventId.trim())?.seq ?? -1);

    reply.hijack();
    const res = reply.raw;
    for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) res.setHeader(name, value);
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      // no-transform: no proxy may compress or buffer it; X-Accel-Buffering: nginx must not buffer.
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    res.socket?.setNoDelay(true);
    res.write('retry: 3000\n\n');

    const stream = new EventStream(user, res, known ?? 0);
    streams.add(stream);
    this.byUser.set(user.id, streams);
    const expiry = this.endAtExpiry(stream);
    res.on('close', () => {
      clearTimeout(expiry);
      streams.delete(stream);
      if (!streams.size && this.byUser.get(user.id) === streams) this.byUser.delete(user.id);
    });

    const head = (await this.changes.heads([user.id]).catch(() => new Map<string, number>())).get(user.id);
    if (known !== undefined) stream.change(head ?? 0, known < 0 || known > (head ?? 0));
    // A client without Last-Event-ID syncs as it connects: the periodic catch-up starts from here.
    else if (head !== undefined) stream.knows(head);
  }

  /**
   * A bulk statement notifies once per row, and the notifications of one network read arrive
   * together: each user's streams hear only the newest stamp of the batch.
   */
  private changed(userId: string, seq: number): void {
    if (!this.byUser.has(userId)) return;
    this.heard.set(userId, Math.max(this.heard.get(userId) ?? 0, seq));
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      for (const [user, newest] of this.heard) for (const stream of this.byUser.get(user) ?? []) stream.change(newest);
      this.heard.clear();
    });
  }

  private endAtExpiry(stream: EventStream): NodeJS.Timeout | undefined {
    const expiresAt = stream.user.expiresAt;
    if (expiresAt === undefined) return undefined;
    const left = expiresAt * 1000 - Date.now();
    if (left > MAX_TIMER_MS) return setTimeout(() => this.endAtExpiry(stream), MAX_TIMER_MS).unref();
    return setTimeout(() => stream.end(), Math.max(0, left)).unref();
  }

  /**
   * Reads the cursor of every user with an open stream. After a (re)connection of the listener
   * (`force`), every stream hears its user's current cursor, as the contract says; on the periodic
   * catch-up, only streams behind it do.
   */
  private async resync(force: boolean): Promise<void> {
    if (!this.byUser.size) return;
    try {
      const heads = await this.changes.heads([...this.byUser.keys()]);
      for (const [userId, streams] of this.byUser) {
        for (const stream of streams) stream.change(heads.get(userId) ?? 0, force);
      }
    } catch (error) {
      if (force) this.logger.warn(`Live events: could not read the cursors after reconnecting (${String(error)})`);
    }
  }

  /** Ends the streams whose session was signed out, on any instance: one query for all of them. */
  private async endRevoked(): Promise<void> {
    const sessionIds = new Set<string>();
    this.forEach((stream) => stream.user.sessionId && sessionIds.add(stream.user.sessionId));
    if (!sessionIds.size) return;
    try {
      const revoked = await this.sessions.revokedAmong([...sessionIds]);
      this.forEach((stream) => stream.user.sessionId && revoked.has(stream.user.sessionId) && stream.end());
    } catch {
      // The database is away: the streams stay, and the next sweep asks again.
    }
  }

  private forEach(action: (stream: EventStream) => unknown): void {
    for (const streams of this.byUser.values()) for (const stream of streams) action(stream);
  }
}
