import { Injectable, UnprocessableEntityException } from '@nestjs/common';
import { UserWrites } from '../database/user-writes.js';
import type { CompleteAllResultDto, DeleteMatchingResultDto } from './dto/bulk-actions.dto.js';
import type { TaskFilterQueryDto } from './dto/task-filter-query.dto.js';
import type { TaskSummaryDto, TaskSummaryQueryDto } from './dto/task-summary.dto.js';
import { restrictsTasks, toTaskFilter } from './task-filter.js';
import { TaskRecurrenceService } from './task-recurrence.service.js';
import { TaskSetsRepository } from './task-sets.repository.js';

/**
 * Rules for actions on a set of the owner's tasks chosen by the list's filters: complete-all, bulk
 * delete (refused without a filter) and the summary. Writes go through UserWrites.
 */
@Injectable()
export class TaskSetsService {
  constructor(
    private readonly sets: TaskSetsRepository,
    private readonly writes: UserWrites,
    private readonly recurrence: TaskRecurrenceService,
  ) {}

  /**
   * Sets `completed` on every matching task in one transaction. Completing advances the matching
   * recurring tasks instead (under their row locks), and completes those whose series is over.
   */
  async completeAll(userId: string, query: TaskFilterQueryDto, completed: boolean): Promise<CompleteAllResultDto> {
    const filter = toTaskFilter(query, userId);
    if (!completed)
      return { updated: await this.writes.run(userId, (write) => this.sets.completeMatching(write, filter, false)) };
    const updated = await this.writes.runAtomic(userId, async (write) => {
      // Every task this changes is locked first, recurring ones included (docs/reliability.md, "Lock order").
      await this.sets.lockPending(write, filter);
      const { advanced, over } = await this.recurrence.advanceMatching(write, filter);
      return advanced + (await this.sets.completeMatching(write, filter, true, over));
    });
    return { updated };
  }

  /** Deletes every matching task, in one statement; refused without a filter that leaves some out. */
  async removeMatching(userId: string, query: TaskFilterQueryDto): Promise<DeleteMatchingResultDto> {
    const filter = toTaskFilter(query, userId);
    if (!restrictsTasks(filter)) {
      throw new UnprocessableEntityException(
        'Deleting tasks needs at least one filter (such as status=completed); to delete every task, delete them one by one',
      );
    }
    return { deleted: await this.writes.run(userId, (write) => this.sets.deleteMatching(write, filter)) };
  }

  async summary(userId: string, query: TaskSummaryQueryDto): Promise<TaskSummaryDto> {
    const row = await this.sets.summary(userId, toTaskFilter(query, userId), query.tz ?? 'UTC');
    return {
      total: Number(row.total),
      pending: Number(row.pending),
      completed: Number(row.completed),
      overdue: Number(row.overdue),
      due_today: Number(row.due_today),
      by_priority: { low: Number(row.low), medium: Number(row.medium), high: Number(row.high) },
      by_category: row.by_category,
    };
  }
}
