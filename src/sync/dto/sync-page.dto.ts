import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CategoryDto } from '../../categories/dto/category.dto.js';
import { ListDto } from '../../lists/dto/list.dto.js';
import { TaskDto } from '../../tasks/dto/task.dto.js';

export class DeletedIdsDto {
  /** Ids of tasks deleted after the cursor. */
  @ApiProperty({ type: 'integer', isArray: true, minimum: 1 })
  tasks: number[];
  /** Ids of categories deleted after the cursor. Their tasks come in `tasks`, without them in `category_ids`. */
  @ApiProperty({ type: 'integer', isArray: true, minimum: 1 })
  categories: number[];
  /**
   * Ids of lists the caller lost access to after the cursor (deleted, left, or removed from): drop
   * each list and all its tasks, which are not listed one by one.
   */
  @ApiProperty({ type: 'integer', isArray: true, minimum: 1 })
  lists: number[];
}

export class SyncPageDto {
  /** Tasks created or changed after the cursor, in full. */
  tasks: TaskDto[];
  /**
   * Categories created or changed after the cursor (name, colour), in full. A category is not sent
   * again when only its counts change: `task_count` and `pending_count` are right as of this page,
   * and a client keeps them from the tasks it holds (their `category_ids`).
   */
  categories: CategoryDto[];
  /**
   * Lists the caller reads that were created or changed after the cursor (name, colour, or the
   * caller's role or position), or that the caller joined, in full. Not sent again when only
   * counts change.
   */
  lists: ListDto[];
  /** Ids deleted after the cursor. */
  deleted: DeletedIdsDto;
  /**
   * Pass it to the next call. Every change up to it is in this page or an earlier one.
   * @example "v1.42"
   */
  cursor: string;
  /** More changes wait: call again at once with `cursor`. */
  has_more: boolean;
  /**
   * Only when `client_id` was given: the last of that client's pushed mutations that this page's state reflects
   * (0 for a client never seen), read in the same snapshot. Drop your pending mutations up to it and apply the rest
   * on top of the synced state.
   */
  @ApiPropertyOptional({ type: 'integer', minimum: 0 })
  last_mutation_id?: number;
}
