import { Injectable, UnprocessableEntityException } from '@nestjs/common';
import { generateKeyBetween } from 'fractional-indexing';
import { type IfMatch, ifMatchTarget } from '../common/etag.js';
import { changesNothing, VersionedResource } from '../common/versioned-resource.js';
import { accepted } from '../database/conditional-write.js';
import { AfterCommit, UserWrites } from '../database/user-writes.js';
import type { CreateListDto } from './dto/create-list.dto.js';
import { type ListListDto, toListDto, type VersionedList } from './dto/list.dto.js';
import type { UpdateListDto } from './dto/update-list.dto.js';
import { requireAccess, requireRole } from './list-access.js';
import { DEFAULT_LIST_COLOR, MAX_LISTS_PER_USER } from './list.entity.js';
import { ListsRepository } from './lists.repository.js';

/** Lower case, as in a sentence; its 404 is list-access.ts's `List not found`. */
export const LIST = new VersionedResource('list');

/**
 * List rules: who may rename or delete a list (list-access.ts), the inbox's, the default colour, the
 * limit per owner, If-Match. The SQL is ListsRepository's; every write goes through UserWrites.
 */
@Injectable()
export class ListsService {
  constructor(
    private readonly lists: ListsRepository,
    private readonly writes: UserWrites,
    private readonly afterCommit: AfterCommit,
  ) {}

  async list(userId: string): Promise<ListListDto> {
    return { items: (await this.lists.list(userId)).map(toListDto) };
  }

  async findOne(userId: string, id: number): Promise<VersionedList> {
    return toListDto(LIST.found(await this.lists.find(userId, id)));
  }

  /** The caller owns the new list; it goes to the end of their order. */
  async create(userId: string, dto: CreateListDto): Promise<VersionedList> {
    const row = await this.writes.runSerialized(userId, async (write) => {
      const position = generateKeyBetween(await this.lists.lastPosition(write), null);
      const list = { name: dto.name, color: dto.color ?? DEFAULT_LIST_COLOR };
      const id = await this.lists.insertWithin(write, list, position, MAX_LISTS_PER_USER);
      return id === null ? null : this.lists.findIn(write, id);
    });
    if (!row) {
      throw new UnprocessableEntityException(
        `You already own ${MAX_LISTS_PER_USER} lists (your inbox included), the most allowed; delete one to make room`,
      );
    }
    return toListDto(row);
  }

  /** Owner and editors; a viewer's 403 comes before If-Match's 412. */
  async update(userId: string, id: number, dto: UpdateListDto, ifMatch?: IfMatch): Promise<VersionedList> {
    const target = ifMatchTarget(id, ifMatch);
    const changes = { name: dto.name, color: dto.color };
    if (changesNothing(changes)) {
      const current = await this.findOne(userId, id);
      requireRole(current.role, 'write', RENAMING);
      return LIST.unchanged(current, target);
    }
    const row = await this.writes.runAtomic(userId, async (write) => {
      const current = requireAccess(await this.lists.lock(write, id), 'write', RENAMING);
      if (!accepted(target, current)) throw LIST.stale();
      await this.lists.update(write, id, changes);
      return LIST.found(await this.lists.findIn(write, id));
    });
    return toListDto(row);
  }

  /**
   * Owner only, never the inbox. Its tasks go with it. Its members lose it at commit, when the
   * announcement no longer reaches them through the list: each is told by name.
   */
  async remove(userId: string, id: number, ifMatch?: IfMatch): Promise<void> {
    const target = ifMatchTarget(id, ifMatch);
    const members = await this.writes.runAtomic(userId, async (write) => {
      const current = requireAccess(await this.lists.lock(write, id), 'own', 'deleting a list');
      if (current.is_inbox) throw new UnprocessableEntityException('Your inbox cannot be deleted');
      if (!accepted(target, current)) throw LIST.stale();
      return this.lists.delete(write, id);
    });
    for (const member of members) this.afterCommit.announce(member);
  }
}

const RENAMING = 'renaming or recolouring a list';
