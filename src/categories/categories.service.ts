import { Injectable, UnprocessableEntityException } from '@nestjs/common';
import { type IfMatch, ifMatchTarget } from '../common/etag.js';
import { changesNothing, VersionedResource } from '../common/versioned-resource.js';
import { UserWrites } from '../database/user-writes.js';
import { CategoriesRepository } from './categories.repository.js';
import { DEFAULT_COLOR, MAX_CATEGORIES_PER_USER } from './category.entity.js';
import { type CategoryListDto, toCategoryDto, type VersionedCategory } from './dto/category.dto.js';
import type { CreateCategoryDto } from './dto/create-category.dto.js';
import type { UpdateCategoryDto } from './dto/update-category.dto.js';

const CATEGORY = new VersionedResource('category');

/**
 * Category rules: the default colour, the limit per user, If-Match, and what a missing or changed
 * category answers. The SQL is CategoriesRepository's; every write goes through UserWrites. A name
 * clash is the database's unique index (409, worded in category.entity.ts).
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
    const row = await this.writes.runSerialized(userId, (write) =>
      this.categories.insertWithin(
        write,
        { name: dto.name, color: dto.color ?? DEFAULT_COLOR },
        MAX_CATEGORIES_PER_USER,
      ),
    );
    if (!row) {
      throw new UnprocessableEntityException(
        `You already have ${MAX_CATEGORIES_PER_USER} categories, the most allowed; delete one to make room`,
      );
    }
    return toCategoryDto(row);
  }

  async findOne(userId: string, id: number): Promise<VersionedCategory> {
    return toCategoryDto(CATEGORY.found(await this.categories.find(userId, id)));
  }

  async update(userId: string, id: number, dto: UpdateCategoryDto, ifMatch?: IfMatch): Promise<VersionedCategory> {
    const target = ifMatchTarget(id, ifMatch);
    const changes = { name: dto.name, color: dto.color };
    if (changesNothing(changes)) return CATEGORY.unchanged(await this.findOne(userId, id), target);
    const written = await this.writes.run(userId, (write) => this.categories.update(write, target, changes));
    return toCategoryDto(CATEGORY.orFail(written));
  }

  /** Its tasks stay and lose the category, in the same transaction. */
  async remove(userId: string, id: number, ifMatch?: IfMatch): Promise<void> {
    const target = ifMatchTarget(id, ifMatch);
    CATEGORY.orFail(await this.writes.runLinking(userId, (write) => this.categories.delete(write, target)));
  }
}
