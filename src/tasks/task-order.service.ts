import { Injectable, ServiceUnavailableException } from '@nestjs/common';
import { generateKeyBetween, generateNKeysBetween } from 'fractional-indexing';
import { randomBytes } from 'node:crypto';
import { ValidationFailedException } from '../common/problem.js';
import { accepted, anyVersion, type ConditionalWrite, type Target } from '../database/conditional-write.js';
import { type UserTransaction, type UserWrite, UserWrites } from '../database/user-writes.js';
import { type Anchor, TaskOrderRepository } from './task-order.repository.js';
import { type Placement, type TaskRow, TasksRepository } from './tasks.repository.js';

/**
 * The longest key a move may leave behind. A key grows by about a character every six moves into the
 * same gap (each halves it; a base-62 digit holds six halvings); past this the user's keys are
 * rewritten evenly, two or three characters each for any realistic list.
 */
export const MAX_POSITION_LENGTH = 32;

/** Tries before a write that keeps losing its position to concurrent ones gives up (503). */
const ATTEMPTS = 50;

/**
 * The manual order's rules: a new task goes to the end, a move goes between its new neighbours, and
 * keys that grow too long are rebalanced. The unique (user_id, position) index is the last word on
 * collisions among siblings; moves take the user's write lock, creates do not (they stay one statement), so a move
 * that loses a key to a concurrent create is simply tried again.
 */
@Injectable()
export class TaskOrderService {
  constructor(
    private readonly order: TaskOrderRepository,
    private readonly tasks: TasksRepository,
    private readonly writes: UserWrites,
  ) {}

  /**
   * Runs `insert` with a key after the last task at `place` until no concurrent create took it first.
   * Creates that read the same last key all want the same next one, so a retry adds a random fraction
   * (still after both): without it, one of 32 concurrent creates lost 50 times in a row.
   */
  async append(
    write: UserWrite,
    place: Placement,
    insert: (position: string) => Promise<TaskRow | null>,
  ): Promise<TaskRow> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const next = generateKeyBetween(await this.order.last(write, place), null);
      const row = await insert(attempt === 0 ? next : next + randomFraction());
      if (row) return row;
    }
    throw tooBusy();
  }

  /**
   * A key after the last task at `place`, for a task moved there within a larger write: the random
   * fraction keeps concurrent writers off each other's key (the unique index has the last word).
   */
  async endOf(write: UserWrite, place: Placement): Promise<string> {
    return generateKeyBetween(await this.order.last(write, place), null) + randomFraction();
  }

  /** Moves the target task next to its anchor if If-Match accepts its version. */
  async move(userId: string, target: Target, anchor: Anchor): Promise<ConditionalWrite<TaskRow>> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      try {
        return await this.writes.runSerialized(userId, (write) => this.place(write, target, anchor));
      } catch (error) {
        if (!isPositionClash(error)) throw error;
      }
    }
    throw tooBusy();
  }

  private async place(write: UserTransaction, target: Target, anchor: Anchor): Promise<ConditionalWrite<TaskRow>> {
    const { id } = target;
    let gap = await this.order.gap(write, id, anchor);
    if (gap.version === null) return { outcome: 'not-found' };
    if (!gap.allowed) return { outcome: 'forbidden' };
    if (!gap.anchorFound) {
      const field = 'before' in anchor ? 'before_id' : 'after_id';
      throw new ValidationFailedException([
        { field, message: 'must be the id of a sibling of the task moved (same list, same parent)' },
      ]);
    }
    if (!accepted(target, { version: gap.version })) return { outcome: 'version-mismatch' };
    let position = generateKeyBetween(gap.lower, gap.upper);
    if (position.length > MAX_POSITION_LENGTH) {
      await this.rebalance(write, id);
      gap = await this.order.gap(write, id, anchor);
      position = generateKeyBetween(gap.lower, gap.upper);
    }
    // The version was checked under the row lock above; a rebalance has bumped it since.
    return this.tasks.update(write, anyVersion(id), { position });
  }

  /** Consecutive keys after the current last one: short, evenly spread, and none in use. */
  private async rebalance(write: UserTransaction, id: number): Promise<void> {
    const { count, last } = await this.order.extent(write, id);
    await this.order.rewrite(write, id, generateNKeysBetween(last, null, count));
  }
}

const DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Four base-62 digits, the last not 0 (a fractional-indexing key never ends in 0). */
function randomFraction(): string {
  const bytes = randomBytes(4);
  let digits = '';
  for (let i = 0; i < 3; i++) digits += DIGITS[bytes[i] % 62];
  return digits + DIGITS[1 + (bytes[3] % 61)];
}

/** A unique index of positions among siblings refused a key: a concurrent write took it first. */
function isPositionClash(error: unknown): boolean {
  const driverError = (error as { driverError?: { code?: string; constraint?: string } }).driverError;
  return driverError?.code === '23505' && POSITION_KEYS.includes(driverError.constraint ?? '');
}

/** The unique indexes of positions among siblings: a list's top level, a parent's subtasks. */
const POSITION_KEYS = ['tasks_list_top_position_key', 'tasks_parent_position_key'];

function tooBusy(): ServiceUnavailableException {
  return new ServiceUnavailableException('The list is changing too fast to place this task; try again');
}
