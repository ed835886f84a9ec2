import type { ServerResponse } from 'node:http';
import type { AuthUser } from '../auth/current-user.decorator.js';
import { formatCursor } from '../sync/sync-cursor.js';
import type { Reminder } from './channels.js';

/** Reminders held for a socket that does not drain; past this, the client is too far behind to care. */
const MAX_QUEUED_REMINDERS = 100;

/**
 * One open `text/event-stream` response. Writes respect back-pressure: while the socket has not
 * drained, heartbeats are skipped and `change` events coalesce into the newest one, which is
 * lossless because a `change` only says "sync up to here". Reminders queue (each is news).
 */
export class EventStream {
  /** The newest stamp announced on this stream. */
  private sentSeq: number;
  /** A change that waits for the socket to drain. */
  private pendingSeq: number | undefined;
  private readonly pendingReminders: string[] = [];
  private blocked = false;
  private ended = false;

  constructor(
    readonly user: AuthUser,
    private readonly res: ServerResponse,
    /** The stamp the client already knows of (Last-Event-ID), 0 when none. */
    knownSeq: number,
  ) {
    this.sentSeq = knownSeq;
    res.on('drain', () => this.drained());
  }

  get closed(): boolean {
    return this.ended || this.res.destroyed || this.res.writableEnded;
  }

  /**
   * Announces `seq` unless the client knows of it already. `force` announces it anyway and makes it
   * the stream's position: a resync, or a client whose Last-Event-ID is not this database's.
   */
  change(seq: number, force = false): void {
    if (this.closed || (!force && seq <= this.sentSeq)) return;
    if (this.blocked) {
      this.pendingSeq = Math.max(this.pendingSeq ?? 0, seq);
      return;
    }
    this.sentSeq = force ? seq : Math.max(this.sentSeq, seq);
    const cursor = formatCursor({ seq, base: 0 });
    this.write(`id: ${cursor}\nevent: change\ndata: ${JSON.stringify({ cursor })}\n\n`);
  }

  /** Takes `seq` as known to the client without announcing it. */
  knows(seq: number): void {
    this.sentSeq = Math.max(this.sentSeq, seq);
  }

  reminder(reminder: Reminder): void {
    if (this.closed) return;
    const text = `event: reminder\ndata: ${JSON.stringify(reminder)}\n\n`;
    if (!this.blocked) this.write(text);
    else if (this.pendingReminders.length < MAX_QUEUED_REMINDERS) this.pendingReminders.push(text);
  }

  /** A comment line, so proxies see traffic on an idle stream. */
  heartbeat(): void {
    if (!this.closed && !this.blocked) this.write(':\n\n');
  }

  /** Ends the response; the client reconnects (with a fresh token, if that was the reason). */
  end(): void {
    if (this.closed) return;
    this.ended = true;
    this.res.end();
  }

  private write(text: string): void {
    if (!this.res.write(text)) this.blocked = true;
  }

  private drained(): void {
    this.blocked = false;
    while (this.pendingReminders.length && !this.blocked) this.write(this.pendingReminders.shift()!);
    if (this.blocked) return;
    const pending = this.pendingSeq;
    this.pendingSeq = undefined;
    if (pending !== undefined) this.change(pending, true);
  }
}
