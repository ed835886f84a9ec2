import { Injectable } from '@nestjs/common';
import { type IfMatch, ifMatchTarget } from '../common/etag.js';
import { ValidationFailedException } from '../common/problem.js';
import { changesNothing, VersionedResource } from '../common/versioned-resource.js';
import { type UserTransaction, type UserWrite, UserWrites } from '../database/user-writes.js';
import { IdempotencyService } from '../idempotency/idempotency.service.js';
import { CreateTaskDto } from './dto/create-task.dto.js';
import { ListTasksQueryDto } from './dto/list-tasks-query.dto.js';
import { MoveTaskDto } from './dto/move-task.dto.js';
import { TaskPageDto, toTaskDto, type VersionedTask } from './dto/task.dto.js';
import { UpdateTaskDto } from './dto/update-task.dto.js';
import { parseTimestamp } from './is-timestamp.decorator.js';
import { toTaskFilter } from './task-filter.js';
import { TaskOrderService } from './task-order.service.js';
import { TaskRecurrenceService } from './task-recurrence.service.js';
import { type TaskChanges, type TaskSortField, TasksRepository } from './tasks.repository.js';

export const TASK = new VersionedResource('task');

/** Idempotency-Key's scope for creating a task. */
const CREATE_SCOPE = 'POST /api/tasks';

/**
 * Task rules: defaults, If-Match, Idempotency-Key, and what a missing or changed task answers. The SQL
 * is TasksRepository's; writes go through UserWrites. Every statement is scoped by the owner, so even
 * to a caller past the guards another user's task looks exactly like no task.
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
    // With links, the task and its links commit together: a link that fails leaves no task behind.
    const work = idempotencyKey ? this.idempotency.once(CREATE_SCOPE, idempotencyKey, dto, insert) : insert;
    if (categoryIds.length) return this.writes.runLinking(userId, work);
    return idempotencyKey ? this.writes.runAtomic(userId, work) : this.writes.run(userId, insert);
  }

  async findOne(userId: string, id: number): Promise<VersionedTask> {
    return toTaskDto(TASK.found(await this.tasks.find(userId, id)));
  }

  async update(userId: string, id: number, dto: UpdateTaskDto, ifMatch?: IfMatch): Promise<VersionedTask> {
    const target = ifMatchTarget(id, ifMatch);
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
    if (categoryIds === undefined && changesNothing(changes)) {
      return TASK.unchanged(await this.findOne(userId, id), target);
    }
    // Rules that depend on the task as it is (recurrence) read it under its row lock first.
    const current = this.recurrence.needsCurrentTask(changes);
    const apply = (write: UserTransaction) =>
      current ? this.recurrence.update(write, target, changes) : this.tasks.update(write, target, changes);
    if (categoryIds) {
      const written = await this.writes.runLinking(userId, async (write) => {
        // The row first: it is locked (and 404/412 decided) before any link changes.
        const result = await apply(write);
        if (result.outcome === 'written') {
          await this.tasks.replaceCategories(write, id, categoryIds);
          result.row.category_ids = categoryIds;
        }
        return result;
      });
      return toTaskDto(TASK.orFail(written));
    }
    const written = current
      ? await this.writes.runAtomic(userId, apply)
      : await this.writes.run(userId, (write) => this.tasks.update(write, target, changes));
    return toTaskDto(TASK.orFail(written));
  }

  /** Sets `completed`, or flips it when no value is given. */
  async complete(
    userId: string,
    id: number,
    completed: boolean | undefined,
    ifMatch?: IfMatch,
  ): Promise<VersionedTask> {
    const target = ifMatchTarget(id, ifMatch);
    return toTaskDto(TASK.orFail(await this.recurrence.complete(userId, target, completed ?? null)));
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
    return toTaskDto(TASK.orFail(await this.order.move(userId, ifMatchTarget(id, ifMatch), anchor)));
  }

  async remove(userId: string, id: number, ifMatch?: IfMatch): Promise<void> {
    const target = ifMatchTarget(id, ifMatch);
    TASK.orFail(await this.writes.run(userId, (write) => this.tasks.delete(write, target)));
  }
}

/** The categories to link, ascending and each once (a repeated id means the same category). */
function categorySet(ids: number[] | undefined): number[] | undefined {
  return ids && [...new Set(ids)].sort((a, b) => a - b);
}

/** A body's timestamp field as a change: left out (undefined), cleared (null) or set. */
function optionalTimestamp(value: string | null | undefined): Date | null | undefined {
  return value === undefined || value === null ? value : parseTimestamp(value);
}
