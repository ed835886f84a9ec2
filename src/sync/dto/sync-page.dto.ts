import { TaskDto } from '../../tasks/dto/task.dto.js';

export class DeletedIdsDto {
  tasks: number[];
  categories: number[];
}

export class SyncPageDto {
  /** Tasks created or changed after the cursor, in full. */
  tasks: TaskDto[];
  /** Categories whose own fields changed after the cursor, in full (not when only their counts did). */
  categories: object[];
  /** Ids deleted after the cursor. */
  deleted: DeletedIdsDto;
  /**
   * Pass it to the next call. Every change up to it is in this page or an earlier one.
   * @example "v1.42"
   */
  cursor: string;
  /** More changes wait: call again at once with `cursor`. */
  has_more: boolean;
}
