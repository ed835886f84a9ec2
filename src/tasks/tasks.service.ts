import { Injectable, NotFoundException, PreconditionFailedException } from '@nestjs/common';
import { type IfMatch, matchingVersions, VERSION } from '../common/etag.js';
import { ValidationFailedException } from '../common/problem.js';
import type { ConditionalWrite } from '../database/conditional-write.js';
import { type UserWrite, UserWrites } from '../database/user-writes.js';
import { CreateTaskDto } from './dto/create-task.dto.js';
import { ListTasksQueryDto } from './dto/list-tasks-query.dto.js';
import { MoveTaskDto } from './dto/move-task.dto.js';
import { TaskPageDto, toTaskDto, type VersionedTask } from './dto/task.dto.js';
import { UpdateTaskDto } from './dto/update-task.dto.js';
import { IdempotencyService } from './idempotency.service.js';
import { parseTimestamp } from './is-timestamp.decorator.js';
import { toTaskFilter } from './task-filter.js';
import { TaskOrderService } from './task-order.service.js';
import { TaskRecurrenceService } from './task-recurrence.service.js';
import { type TaskChanges, type TaskSortField, TasksRepository } from './tasks.repository.js';

/**
 * Task rules: defaults, If-Match, Idempotency-Key, and what a missing or changed task answers. The
 * SQL is TasksRepository's, and every write goes through UserWrites, the one write path for a
 * user's rows. Every statement is scoped by the owner, so even a caller that got past the guards
 * cannot read or change someone else's task: another user's task looks exactly like no task.
 */
@Injectable()
export class TasksService {
  constructor(
    private readonly tasks: TasksRepository,
    private readonly writes: UserWrites,
    private readonly idempotency: IdempotencyService,
    private readonly order: TaskOrderService,
    private readonly recurrence: TaskRecurrenceService,
  ) {}

  async list(userId: string, query: ListTasksQueryDto): Promise<TaskPageDto> {
    const sort = query.sort ?? '-created_at';
    const limit = query.limit ?? 50;
    const offset = query.offset ?? 0;
    const { rows, total } = await this.tasks.page(userId, {
      ...toTaskFilter(query),
      sort: sort.replace(/^-/, '') as TaskSortField,
      descending: sort.startsWith('-'),
      limit,
      offset,
    });
    return { items: rows.map(toTaskDto), total, limit, offset };
  }

  /** With an Idempotency-Key, a retry of the same request returns the first result instead. */
  create(userId: string, dto: CreateTaskDto, idempotencyKey?: string): Promise<VersionedTask> {
    const dueDate = dto.due_date ? parseTimestamp(dto.due_date) : null;
    const series = this.recurrence.forNewTask(dto.recurrence, dueDate);
    const categoryIds = categorySet(dto.category_ids) ?? [];
    const insert = async (write: UserWrite) => {
      const row = await this.order.append(write, (position) =>
        this.tasks.insert(write, {
          title: dto.title,
          description: dto.description ?? null,
          priority: dto.priority ?? 'medium',
          due_date: dueDate,
          completed: dto.completed ?? false,
          position,
          remind_at: dto.remind_at ? parseTimestamp(dto.remind_at) : null,
          ...series,
        }),
      );
      if (categoryIds.length) {
        await this.tasks.replaceCategories(write, row.id, categoryIds);
        row.category_ids = categoryIds;
      }
      return toTaskDto(row);
    };
    // The task and its links commit together: a link that fails leaves no task behind. Linking takes
    // the user's write lock, as relinking does: the link's foreign key waits for the category's row
    // after the task's stamp has locked the user's change cursor, and a category's delete holds that
    // row while it waits for the cursor (see UserWrites' `serialized`).
    const options = { serialized: categoryIds.length > 0 };
    if (idempotencyKey) return this.idempotency.once(userId, idempotencyKey, dto, insert, options);
    return this.writes.run(userId, insert, options);
  }

  async findOne(userId: string, id: number): Promise<VersionedTask> {
    const row = await this.tasks.find(userId, id);
    if (!row) throw taskNotFound();
    return toTaskDto(row);
  }

  async update(userId: string, id: number, dto: UpdateTaskDto, ifMatch?: IfMatch): Promise<VersionedTask> {
    const versions = matchingVersions(id, ifMatch);
    const changes: TaskChanges = {
      title: dto.title,
      description: dto.description,
      priority: dto.priority,
      due_date: optionalTimestamp(dto.due_date),
      completed: dto.completed,
      remind_at: optionalTimestamp(dto.remind_at),
      recurrence: dto.recurrence,
    };
    const categoryIds = categorySet(dto.category_ids);
    if (categoryIds === undefined && Object.values(changes).every((value) => value === undefined)) {
      const task = await this.findOne(userId, id);
      if (versions && !versions.includes(task[VERSION])) throw stale();
      return task;
    }
    // Rules that depend on the task as it is (recurrence) read it under its row lock first.
    const current = this.recurrence.needsCurrentTask(changes);
    const written = await this.writes.run(
      userId,
      async (write) => {
        // The row first: it is locked (and 404/412 decided) before any link changes.
        const result = current
          ? await this.recurrence.update(write, id, changes, versions)
          : await this.tasks.update(write, id, changes, versions);
        if (result.outcome === 'written' && categoryIds) {
          await this.tasks.replaceCategories(write, id, categoryIds);
          result.row.category_ids = categoryIds;
        }
        return result;
      },
      // Relinking takes the user's write lock, as a category's delete does: the delete updates many
      // task rows, and without the lock the two deadlocked on the change cursor's row (see
      // UserWrites' `serialized`).
      { atomic: current, serialized: categoryIds !== undefined },
    );
    return toTaskDto(orFail(written));
  }

  /** Sets `completed`, or flips it when no value is given. */
  async complete(
    userId: string,
    id: number,
    completed: boolean | undefined,
    ifMatch?: IfMatch,
  ): Promise<VersionedTask> {
    const versions = matchingVersions(id, ifMatch);
    return toTaskDto(orFail(await this.recurrence.complete(userId, id, completed ?? null, versions)));
  }

  /** Moves the task after `after_id` (null: to the top) or before `before_id`; the other tasks keep their place. */
  async move(userId: string, id: number, dto: MoveTaskDto, ifMatch?: IfMatch): Promise<VersionedTask> {
    const after = dto.after_id !== undefined;
    if (after === (dto.before_id !== undefined)) {
      const message = 'send exactly one of after_id (null for the top) and before_id';
      throw new ValidationFailedException([{ field: after ? 'before_id' : 'after_id', message }]);
    }
    const anchor = after ? { after: dto.after_id! } : { before: dto.before_id! };
    if (('after' in anchor ? anchor.after : anchor.before) === id) {
      const field = after ? 'after_id' : 'before_id';
      throw new ValidationFailedException([{ field, message: 'must be another task than the one moved' }]);
    }
    const versions = matchingVersions(id, ifMatch);
    return toTaskDto(orFail(await this.order.move(userId, id, anchor, versions)));
  }

  async remove(userId: string, id: number, ifMatch?: IfMatch): Promise<void> {
    const versions = matchingVersions(id, ifMatch);
    orFail(await this.writes.run(userId, (write) => this.tasks.delete(write, id, versions)));
  }
}

/** The categories to link, ascending and each once (a repeated id means the same category). */
function categorySet(ids: number[] | undefined): number[] | undefined {
  return ids && [...new Set(ids)].sort((a, b) => a - b);
}

/** A conditional write's result, or its 404 (no such task) or 412 (the task has changed). */
function orFail<T>(result: ConditionalWrite<T>): T {
  if (result.outcome !== 'written') throw result.outcome === 'not-found' ? taskNotFound() : stale();
  return result.row;
}

/** A body's timestamp field as a change: left out (undefined), cleared (null) or set. */
function optionalTimestamp(value: string | null | undefined): Date | null | undefined {
  return value === undefined || value === null ? value : parseTimestamp(value);
}

function taskNotFound(): NotFoundException {
  return new NotFoundException('Task not found');
}

function stale(): PreconditionFailedException {
  return new PreconditionFailedException('The task has changed since you read it (If-Match); fetch it again and retry');
}
