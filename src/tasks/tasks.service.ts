import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CreateTaskDto } from './dto/create-task.dto';
import { ListTasksQueryDto } from './dto/list-tasks-query.dto';
import { TaskDto, TaskPageDto } from './dto/task.dto';
import { UpdateTaskDto } from './dto/update-task.dto';
import { parseTimestamp } from './is-timestamp.decorator';

/** Lets the response layer derive an ETag without the version appearing in the JSON body. */
export const TASK_VERSION = Symbol('taskVersion');
export type VersionedTask = TaskDto & { [TASK_VERSION]: number };

const COLUMNS = 'id, user_id, title, description, completed, priority, due_date, created_at, updated_at, version';

/** Writable fields and how a DTO value becomes a column value. */
const WRITABLE: Record<keyof UpdateTaskDto, (value: never) => unknown> = {
  title: (v: string) => v,
  description: (v: string | null) => v,
  priority: (v: string) => v,
  due_date: (v: string | null) => (v === null ? null : parseTimestamp(v)),
  completed: (v: boolean) => v,
};

interface TaskRow {
  id: number;
  user_id: string;
  title: string;
  description: string | null;
  completed: boolean;
  priority: TaskDto['priority'];
  due_date: Date | null;
  created_at: Date;
  updated_at: Date;
  version: number;
  total?: string;
}

/**
 * Task rules. Every statement is scoped by the owner, so even a caller that got past the guards
 * cannot read or change someone else's task: another user's task looks exactly like no task.
 */
@Injectable()
export class TasksService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async list(userId: string, query: ListTasksQueryDto): Promise<TaskPageDto> {
    const params: unknown[] = [userId];
    const where = ['user_id = $1'];
    const param = (value: unknown) => `$${params.push(value)}`;

    if (query.status === 'pending') where.push('NOT completed');
    if (query.status === 'completed') where.push('completed');
    if (query.completed !== undefined) where.push(`completed = ${param(query.completed)}`);
    if (query.priority) where.push(`priority = ${param(query.priority)}`);
    if (query.q) {
      const pattern = param(`%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      where.push(`(title ILIKE ${pattern} OR description ILIKE ${pattern})`);
    }
    if (query.due_before) where.push(`due_date < ${param(parseTimestamp(query.due_before))}`);
    if (query.due_after) where.push(`due_date > ${param(parseTimestamp(query.due_after))}`);

    const sort = query.sort ?? '-created_at';
    const direction = sort.startsWith('-') ? 'DESC' : 'ASC';
    const column = sort.replace(/^-/, '');
    // Undated tasks go last in both directions; other sort columns are NOT NULL, so their order
    // matches the (user_id, column, id) indexes exactly and a page is read straight off the index.
    const nulls = column === 'due_date' ? ' NULLS LAST' : '';
    const limit = query.limit ?? 50;
    const offset = query.offset ?? 0;

    const filter = where.join(' AND ');
    // The total is a sub-select that runs once and can count off an index; count(*) OVER () read
    // every matching row in full before the page, so lists slowed down with the number of tasks.
    const rows: TaskRow[] = await this.db.query(
      `SELECT ${COLUMNS}, (SELECT count(*) FROM tasks WHERE ${filter}) AS total FROM tasks WHERE ${filter}
       ORDER BY ${column} ${direction}${nulls}, id ${direction} LIMIT ${param(limit)} OFFSET ${param(offset)}`,
      params,
    );
    let total = rows.length ? Number(rows[0].total) : 0;
    if (!rows.length && offset > 0) {
      // A page past the end has no row to carry the total.
      const [{ count }] = await this.db.query(`SELECT count(*) FROM tasks WHERE ${filter}`, params.slice(0, -2));
      total = Number(count);
    }
    return { items: rows.map(toTaskDto), total, limit, offset };
  }

  async create(userId: string, dto: CreateTaskDto): Promise<VersionedTask> {
    const [row] = await this.db.query(
      `INSERT INTO tasks (user_id, title, description, priority, due_date, completed)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
      [userId, dto.title, dto.description ?? null, dto.priority ?? 'medium', dto.due_date ? parseTimestamp(dto.due_date) : null, dto.completed ?? false],
    );
    return toTaskDto(row);
  }

  async findOne(userId: string, id: number): Promise<VersionedTask> {
    const [row] = await this.db.query(`SELECT ${COLUMNS} FROM tasks WHERE id = $1 AND user_id = $2`, [id, userId]);
    if (!row) throw taskNotFound();
    return toTaskDto(row);
  }

  async update(userId: string, id: number, dto: UpdateTaskDto): Promise<VersionedTask> {
    const params: unknown[] = [id, userId];
    const sets: string[] = [];
    for (const [field, toColumn] of Object.entries(WRITABLE) as [keyof UpdateTaskDto, (v: unknown) => unknown][]) {
      if (dto[field] !== undefined) sets.push(`${field} = $${params.push(toColumn(dto[field]))}`);
    }
    if (!sets.length) return this.findOne(userId, id);
    return this.write(`UPDATE tasks SET ${sets.join(', ')}, updated_at = now(), version = version + 1 WHERE id = $1 AND user_id = $2 RETURNING ${COLUMNS}`, params);
  }

  /** Sets `completed`, or flips it when no value is given, in one statement so no toggle is lost. */
  complete(userId: string, id: number, completed?: boolean): Promise<VersionedTask> {
    return this.write(
      `UPDATE tasks SET completed = COALESCE($3, NOT completed), updated_at = now(), version = version + 1
        WHERE id = $1 AND user_id = $2 RETURNING ${COLUMNS}`,
      [id, userId, completed ?? null],
    );
  }

  async remove(userId: string, id: number): Promise<void> {
    const [, affected] = await this.db.query(`DELETE FROM tasks WHERE id = $1 AND user_id = $2`, [id, userId]);
    if (!affected) throw taskNotFound();
  }

  private async write(sql: string, params: unknown[]): Promise<VersionedTask> {
    const [rows] = await this.db.query(sql, params);
    if (!rows.length) throw taskNotFound();
    return toTaskDto(rows[0]);
  }
}

function taskNotFound(): NotFoundException {
  return new NotFoundException('Task not found');
}

function toTaskDto(row: TaskRow): VersionedTask {
  return {
    id: row.id,
    user_id: row.user_id,
    title: row.title,
    description: row.description,
    completed: row.completed,
    priority: row.priority,
    due_date: row.due_date ? row.due_date.toISOString() : null,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    [TASK_VERSION]: row.version,
  };
}
