import { Injectable } from '@nestjs/common';
import { generateKeyBetween, generateNKeysBetween } from 'fractional-indexing';
import { ValidationFailedException } from '../common/problem.js';
import { UserWrites, type UserTransaction } from '../database/user-writes.js';
import type { MoveListDto } from './dto/move-list.dto.js';
import { toListDto, type VersionedList } from './dto/list.dto.js';
import { type Anchor, ListsRepository } from './lists.repository.js';
import { LIST } from './lists.service.js';

/** As tasks' (task-order.service.ts): past this a move rewrites the member's keys evenly first. */
const MAX_POSITION_LENGTH = 32;

/**
 * Each member's own order of their lists (`list_members.position`): any member, viewers included,
 * moves a list among their own lists, and no one else sees it. A move reads its neighbours and
 * writes between them under the member's write lock (UserWrites.runSerialized), as does every
 * creation or join that appends to the order.
 */
@Injectable()
export class ListOrderService {
  constructor(
    private readonly lists: ListsRepository,
    private readonly writes: UserWrites,
  ) {}

  /** Moves the list after `after_id` (null: first) or before `before_id` in the caller's order. */
  async move(userId: string, id: number, dto: MoveListDto): Promise<VersionedList> {
    const after = dto.after_id !== undefined;
    if (after === (dto.before_id !== undefined)) {
      const message = 'send exactly one of after_id (null for the top) and before_id';
      throw new ValidationFailedException([{ field: after ? 'before_id' : 'after_id', message }]);
    }
    const anchor: Anchor = after ? { after: dto.after_id! } : { before: dto.before_id! };
    const field = after ? 'after_id' : 'before_id';
    if ((after ? dto.after_id : dto.before_id) === id) {
      throw new ValidationFailedException([{ field, message: 'must be another list than the one moved' }]);
    }
    const row = await this.writes.runSerialized(userId, async (write) => {
      const position = await this.place(write, id, anchor, field);
      await this.lists.setPosition(write, id, position);
      return LIST.found(await this.lists.findIn(write, id));
    });
    return toListDto(row);
  }

  private async place(write: UserTransaction, id: number, anchor: Anchor, field: string): Promise<string> {
    let gap = await this.lists.gap(write, id, anchor);
    if (!gap.found) throw LIST.notFound();
    if (!gap.anchorFound)
      throw new ValidationFailedException([{ field, message: 'must be the id of one of your lists' }]);
    let position = generateKeyBetween(gap.lower, gap.upper);
    if (position.length > MAX_POSITION_LENGTH) {
      const ids = await this.lists.order(write);
      await this.lists.reposition(write, ids, generateNKeysBetween(null, null, ids.length));
      gap = await this.lists.gap(write, id, anchor);
      position = generateKeyBetween(gap.lower, gap.upper);
    }
    return position;
  }
}
