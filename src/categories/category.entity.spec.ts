import { QueryFailedError } from 'typeorm';
import { toProblem } from '../common/problem.js';
// Importing the entities registers what their constraints mean.
import './task-category.entity.js';

const pgError = (code: string, constraint: string) =>
  new QueryFailedError('INSERT ...', [], Object.assign(new Error('violates constraint'), { code, constraint }));

describe("categories' constraints", () => {
  it('answer a link to a category that is not yours as 422 on category_ids, never a 404', () => {
    expect(toProblem(pgError('23503', 'task_categories_category_fkey'))).toMatchObject({
      status: 422,
      errors: [{ field: 'category_ids' }],
    });
  });

  it('answer a name taken as 409 in words of its own', () => {
    expect(toProblem(pgError('23505', 'categories_user_name_key'))).toMatchObject({
      status: 409,
      detail: 'You already have a category with this name',
    });
  });
});
