import { Injectable } from '@nestjs/common';
import { ValidationFailedException } from '../common/problem.js';
import { accepted, anyVersion, type ConditionalWrite, notWritten, type Target } from '../database/conditional-write.js';
import { type UserTransaction, UserWrites } from '../database/user-writes.js';
import { isCounted, nextOccurrence, recurrenceProblem } from './recurrence-rule.js';
import type { TaskFilter } from './task-filter.js';
import { type TaskChanges, type TaskRow, TasksRepository } from './tasks.repository.js';

/** What a recurring task's next date is computed from. */
type Series = Pick<TaskRow, 'recurrence' | 'recurrence_start' | 'due_date' | 'remind_at'>;

/**
 * Recurring tasks' rules: a rule needs a due date and must occur; completing a recurring task moves
 * it to the series' next date instead (its reminder by as much), until the series is over. The date
 * is computed here (rrule), so a write that depends on it reads the task under its row lock first:
 * concurrent completions queue on the lock, each advancing the task once.
 */
@Injectable()
export class TaskRecurrenceService {
  constructor(
    private readonly tasks: TasksRepository,
    private readonly writes: UserWrites,
  ) {}

  /** A new task's rule, checked against its due date: the columns to store, or a 422. */
  forNewTask(
    recurrence: string | null | undefined,
    dueDate: Date | null,
  ): Pick<TaskRow, 'recurrence' | 'recurrence_start'> {
    if (recurrence === null || recurrence === undefined) return { recurrence: null, recurrence_start: null };
    this.check(recurrence, dueDate, 'recurrence');
    return { recurrence, recurrence_start: dueDate };
  }

  /** Whether an update needs the task as it is to be checked or applied (see update()). */
  needsCurrentTask(changes: TaskChanges): boolean {
    return changes.recurrence !== undefined || changes.due_date === null || changes.completed === true;
  }

  /**
   * An update that sets or clears the rule, clears the due date, or completes the task: checked
   * against the task as it is, under its row lock (a subtask cannot take a rule); completing a
   * recurring task advances it.
   */
  async update(write: UserTransaction, target: Target, changes: TaskChanges): Promise<ConditionalWrite<TaskRow>> {
    const row = await this.tasks.lock(write, target.id);
    if (row && !row.allowed) return notWritten(true, false);
    if (!accepted(target, row)) return notWritten(Boolean(row));
    // Only top-level tasks recur: the task's parent after this update, if it keeps one.
    const parentId = changes.parent_id !== undefined ? changes.parent_id : row.parent_id;
    if (changes.recurrence && parentId !== null) {
      throw invalid('recurrence', 'only top-level tasks recur; a subtask cannot');
    }
    const next: TaskChanges = { ...changes };
    const series: Series = {
      recurrence: changes.recurrence !== undefined ? changes.recurrence : row.recurrence,
      recurrence_start: row.recurrence_start,
      due_date: changes.due_date !== undefined ? changes.due_date : row.due_date,
      remind_at: changes.remind_at !== undefined ? changes.remind_at : row.remind_at,
    };
    if (changes.recurrence === null) next.recurrence_start = null;
    // The same rule sent again (a client saving the whole task) is no new series: COUNT goes on.
    if (typeof changes.recurrence === 'string' && changes.recurrence !== row.recurrence) {
      this.check(changes.recurrence, series.due_date, 'recurrence');
      next.recurrence_start = series.recurrence_start = series.due_date;
    } else if (series.recurrence && !series.due_date) {
      throw invalid('due_date', 'cannot be cleared while the task recurs; clear recurrence too');
    }
    if (changes.completed === true && !row.completed && series.recurrence) Object.assign(next, this.advance(series));
    return this.settleSubtasks(write, row, await this.tasks.update(write, anyVersion(target.id), next));
  }

  /**
   * Completing a task completes its open subtasks at every level; a recurring task that moved on to
   * its next date (completed asked, still pending) reopens them for the next occurrence.
   */
  private async settleSubtasks(
    write: UserTransaction,
    before: TaskRow,
    result: ConditionalWrite<TaskRow>,
  ): Promise<ConditionalWrite<TaskRow>> {
    if (result.outcome !== 'written' || Number(before.subtask_count) === 0) return result;
    const after = result.row;
    if (after.completed && !before.completed) {
      await this.tasks.setSubtasksCompleted(write, after.id, true);
      after.pending_subtask_count = 0;
    } else if (before.recurrence && after.due_date?.getTime() !== before.due_date?.getTime() && !after.completed) {
      await this.tasks.setSubtasksCompleted(write, after.id, false);
      after.pending_subtask_count = after.subtask_count;
    }
    return result;
  }

  /**
   * Sets `completed` (flips it when null). One statement does it unless the task is being completed
   * and recurs or has subtasks; then, under its row lock, a recurring task advances and the open
   * subtasks at every level are completed with it, in one transaction.
   */
  async complete(userId: string, target: Target, completed: boolean | null): Promise<ConditionalWrite<TaskRow>> {
    const result = await this.writes.run(userId, (write) => this.tasks.setCompleted(write, target, completed));
    if (result.outcome !== 'under-lock') return result;
    return this.writes.runAtomic(userId, async (write) => {
      const row = await this.tasks.lock(write, target.id);
      if (row && !row.allowed) return notWritten(true, false);
      if (!accepted(target, row)) return notWritten(Boolean(row));
      const done = completed ?? !row.completed;
      const changes: TaskChanges = { completed: done };
      if (done && !row.completed && row.recurrence) Object.assign(changes, this.advance(row));
      return this.settleSubtasks(write, row, await this.tasks.update(write, anyVersion(target.id), changes));
    });
  }

  /**
   * Complete-all's part: advances every matching pending recurring task under its row lock (in id
   * order, so two bulk completions never deadlock); `over` lists those whose series has ended.
   */
  async advanceMatching(write: UserTransaction, filter: TaskFilter): Promise<{ advanced: number; over: number[] }> {
    const over: number[] = [];
    let advanced = 0;
    for (const row of await this.tasks.lockRecurringToComplete(write, filter)) {
      const changes = this.advance(row);
      if (changes.completed === false) {
        await this.settleSubtasks(write, row, await this.tasks.update(write, anyVersion(row.id), changes));
        advanced++;
      } else {
        over.push(row.id);
      }
    }
    return { advanced, over };
  }

  /**
   * The changes that complete a recurring task: the next date after its due date, the reminder moved
   * by as much (so it fires again), still pending; none when the series is over (it completes).
   */
  private advance(series: Series): TaskChanges {
    const { recurrence, recurrence_start: start, due_date: due, remind_at: remind } = series;
    if (!recurrence || !start || !due) return {};
    const next = nextOccurrence(recurrence, start, due);
    if (!next) return {};
    return {
      completed: false,
      due_date: next,
      remind_at: remind ? new Date(remind.getTime() + (next.getTime() - due.getTime())) : undefined,
      // Without COUNT, the series from the date it reached has the same dates: searching from there
      // keeps every search short, however long the series has run.
      recurrence_start: isCounted(recurrence) ? undefined : next,
    };
  }

  private check(recurrence: string, dueDate: Date | null, field: string): void {
    if (!dueDate) throw invalid(field, 'needs a due_date: a recurring task repeats from its due date');
    const problem = recurrenceProblem(recurrence, dueDate);
    if (problem) throw invalid(field, problem);
  }
}

function invalid(field: string, message: string): ValidationFailedException {
  return new ValidationFailedException([{ field, message }]);
}
