import {
  Injectable,
  NotFoundException,
  PreconditionFailedException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { type IfMatch, matchingVersions, VERSION } from '../common/etag.js';
import type { ConditionalWrite } from '../database/conditional-write.js';
import { UserWrites } from '../database/user-writes.js';
import { CategoriesRepository } from './categories.repository.js';
import { DEFAULT_COLOR, MAX_CATEGORIES_PER_USER } from './category.entity.js';
import { type CategoryListDto, toCategoryDto, type VersionedCategory } from './dto/category.dto.js';
import type { CreateCategoryDto } from './dto/create-category.dto.js';
import type { UpdateCategoryDto } from './dto/update-category.dto.js';

/**
 * Category rules: the default colour, the limit per user, If-Match, and what a missing or changed
 * category answers. The SQL is CategoriesRepository's; every write goes through UserWrites. A name
 * clash is the database's unique index (409, worded in common/problem.ts).
 */
@Injectable()
export class CategoriesService {
  constructor(
    private readonly categories: CategoriesRepository,
    private readonly writes: UserWrites,
  ) {}

  async list(userId: string): Promise<CategoryListDto> {
    return { items: (await this.categories.list(userId)).map(toCategoryDto) };
  }

  async create(userId: string, dto: CreateCategoryDto): Promise<VersionedCategory> {
    const row = await this.writes.run(
      userId,
      (write) =>
        this.categories.insertWithin(
          write,
          { name: dto.name, color: dto.color ?? DEFAULT_COLOR },
          MAX_CATEGORIES_PER_USER,
        ),
      { serialized: true },
    );
    if (!row) {
      throw new UnprocessableEntityException(
        `You already have ${MAX_CATEGORIES_PER_USER} categories, the most allowed; delete one to make room`,
      );
    }
    return toCategoryDto(row);
  }

  async findOne(userId: string, id: number): Promise<VersionedCategory> {
    const row = await this.categories.find(userId, id);
    if (!row) throw categoryNotFound();
    return toCategoryDto(row);
  }

  async update(userId: string, id: number, dto: UpdateCategoryDto, ifMatch?: IfMatch): Promise<VersionedCategory> {
    const versions = matchingVersions(id, ifMatch);
    const changes = { name: dto.name, color: dto.color };
    if (Object.values(changes).every((value) => value === undefined)) {
      const category = await this.findOne(userId, id);
      if (versions && !versions.includes(category[VERSION])) throw stale();
      return category;
    }
    return toCategoryDto(
      orFail(await this.writes.run(userId, (write) => this.categories.update(write, id, changes, versions))),
    );
  }

  /** Its tasks stay and lose the category, in the same transaction. */
  async remove(userId: string, id: number, ifMatch?: IfMatch): Promise<void> {
    const versions = matchingVersions(id, ifMatch);
    // Under the user's write lock, like relinking a task: the delete updates every linked task.
    orFail(await this.writes.run(userId, (write) => this.categories.delete(write, id, versions), { serialized: true }));
  }
}

/** A conditional write's result, or its 404 (no such category) or 412 (the category has changed). */
function orFail<T>(result: ConditionalWrite<T>): T {
  if (result.outcome !== 'written') throw result.outcome === 'not-found' ? categoryNotFound() : stale();
  return result.row;
}

function categoryNotFound(): NotFoundException {
  return new NotFoundException('Category not found');
}

function stale(): PreconditionFailedException {
  return new PreconditionFailedException(
    'The category has changed since you read it (If-Match); fetch it again and retry',
  );
}
