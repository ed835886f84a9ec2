import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from 'pg';
import type { Task } from './api-types.js';
import type { RequestOptions, TestResponse } from './test-app.js';

/** One answer a writer got, with when it came (ms since the writers started). */
export interface Answer {
  at: number;
  status: number;
  writer: number;
  detail?: string;
}

export interface Acknowledged {
  id: number;
  title: string;
  /** The Idempotency-Key the task was created with, if any. */
  key?: string;
}

export interface WritersResult {
  answers: Answer[];
  acknowledged: Acknowledged[];
  /** Answers by status code. */
  statuses: Record<number, number>;
  /** Every answer that was neither 201 nor 503, with its detail. */
  unexpected: Answer[];
}

/**
 * Concurrent writers that create tasks as clients would through a database fault: the first
 * `withKeys` send an Idempotency-Key and retry the same request (same key, same body) after a 503
 * until it is acknowledged; the others move on to a new task after a 503. A 201 is an
 * acknowledged write, which must be found in the database afterwards; anything but 201 or 503 is
 * unexpected.
 */
export class Writers {
  private readonly answers: Answer[] = [];
  private readonly acknowledged: Acknowledged[] = [];
  private readonly started = performance.now();
  private stopping = false;
  private readonly running: Promise<void>[];

  constructor(
    private readonly request: (options: RequestOptions) => Promise<TestResponse>,
    private readonly token: string,
    { writers = 8, withKeys = 4, pauseMs = 0 }: { writers?: number; withKeys?: number; pauseMs?: number } = {},
  ) {
    const run = randomUUID().slice(0, 8);
    this.running = Array.from({ length: writers }, (_, writer) => this.write(writer, writer < withKeys, run, pauseMs));
  }

  /** Milliseconds since the writers started: the clock of `Answer.at`. */
  now(): number {
    return performance.now() - this.started;
  }

  /** Waits until `count` more writes have been acknowledged (or `timeoutMs` passes). */
  async acknowledgedMore(count: number, timeoutMs = 30_000): Promise<boolean> {
    const target = this.acknowledged.length + count;
    const deadline = performance.now() + timeoutMs;
    while (this.acknowledged.length < target) {
      if (performance.now() > deadline) return false;
      await sleep(20);
    }
    return true;
  }

  async stop(): Promise<WritersResult> {
    this.stopping = true;
    await Promise.all(this.running);
    const statuses: Record<number, number> = {};
    for (const { status } of this.answers) statuses[status] = (statuses[status] ?? 0) + 1;
    return {
      answers: this.answers,
      acknowledged: this.acknowledged,
      statuses,
      unexpected: this.answers.filter(({ status }) => status !== 201 && status !== 503),
    };
  }

  private async write(writer: number, withKey: boolean, run: string, pauseMs: number): Promise<void> {
    for (let n = 0; !this.stopping; n++) {
      const title = `w${writer}-${run}-${n}`;
      const key = withKey ? randomUUID() : undefined;
      // A keyed write is retried until it is acknowledged (or the writers stop).
      for (;;) {
        const response = await this.request({
          method: 'POST',
          url: '/api/tasks',
          token: this.token,
          body: { title },
          ...(key ? { headers: { 'idempotency-key': key } } : {}),
        }).catch(
          (error: Error) => ({ statusCode: 0, body: error.message, json: () => ({}) }) as unknown as TestResponse,
        );
        const answer: Answer = { at: this.now(), status: response.statusCode, writer };
        if (response.statusCode !== 201) answer.detail = response.body.slice(0, 300);
        this.answers.push(answer);
        if (response.statusCode === 201) {
          this.acknowledged.push({ id: response.json<Task>().id, title, key });
          break;
        }
        if (!key || response.statusCode !== 503 || this.stopping) break;
        await sleep(25);
      }
      if (pauseMs) await sleep(pauseMs);
    }
  }
}

/**
 * What the database holds of the writers' tasks: the acknowledged ones that are missing, and the
 * keyed tasks that were stored more than once (a retry that did not find its first attempt).
 */
export async function checkStored(
  sql: Client,
  { acknowledged }: WritersResult,
): Promise<{ lost: Acknowledged[]; duplicated: string[] }> {
  const { rows } = await sql.query<{ id: number; title: string }>('SELECT id, title FROM tasks WHERE id = ANY ($1)', [
    acknowledged.map(({ id }) => id),
  ]);
  const stored = new Map(rows.map((row) => [row.id, row.title]));
  const lost = acknowledged.filter(({ id, title }) => stored.get(id) !== title);
  const keyedTitles = acknowledged.filter(({ key }) => key).map(({ title }) => title);
  const { rows: counts } = await sql.query<{ title: string; n: number }>(
    'SELECT title, count(*)::int AS n FROM tasks WHERE title = ANY ($1) GROUP BY title HAVING count(*) > 1',
    [keyedTitles],
  );
  return { lost, duplicated: counts.map(({ title, n }) => `${title} x${n}`) };
}

/** The seconds between the first and the last 503 at or after `from` (0 when there was none). */
export function unavailableSeconds(answers: Answer[], from = 0): number {
  const times = answers.filter(({ status, at }) => status === 503 && at >= from).map(({ at }) => at);
  return times.length ? (Math.max(...times) - Math.min(...times)) / 1000 : 0;
}
