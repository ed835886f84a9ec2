import { Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { constraintProblem } from '../common/problem.js';
import { Task } from '../tasks/task.entity.js';
import { Category } from './category.entity.js';

// A link to a category that is not the caller's (someone else's, deleted, or never created): a 422
// on the field, never a 404 that would tell another user's category from none.
constraintProblem('task_categories_category_fkey', {
  status: 422,
  detail: 'The request is not valid',
  errors: [{ field: 'category_ids', message: 'must contain only ids of your own categories' }],
});

/**
 * A user's label on a task: `user_id` is the labeller, who may be the task's owner or a member of
 * its list (each member's labels are their own). The category's foreign key includes that user, so
 * a link to another user's category cannot exist, whatever code wrote it: the insert fails (23503
 * on task_categories_category_fkey, answered as 422 on `category_ids`). Deleting either side
 * unlinks; leaving the list drops the member's links (the membership's delete trigger).
 */
@Entity({ name: 'task_categories' })
@Index('task_categories_user_category_idx', ['userId', 'categoryId', 'taskId'])
@Index('task_categories_task_idx', ['taskId'])
export class TaskCategory {
  @PrimaryColumn({ name: 'user_id', type: 'text', primaryKeyConstraintName: 'task_categories_pkey' })
  userId: string;

  @PrimaryColumn({ name: 'task_id', type: 'integer', primaryKeyConstraintName: 'task_categories_pkey' })
  taskId: number;

  @PrimaryColumn({ name: 'category_id', type: 'integer', primaryKeyConstraintName: 'task_categories_pkey' })
  categoryId: number;

  /** Declared for the foreign key; never loaded. */
  @ManyToOne(() => Task, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'task_id', foreignKeyConstraintName: 'task_categories_task_fkey' })
  task?: Relation<Task>;

  /** Declared for the foreign key; never loaded. */
  @ManyToOne(() => Category, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn([
    { name: 'user_id', referencedColumnName: 'userId', foreignKeyConstraintName: 'task_categories_category_fkey' },
    { name: 'category_id', referencedColumnName: 'id' },
  ])
  category?: Relation<Category>;
}
