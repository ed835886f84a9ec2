import { GoneException, Injectable } from '@nestjs/common';
import { toCategoryDto } from '../categories/dto/category.dto.js';
import { toListDto } from '../lists/dto/list.dto.js';
import { toTaskDto } from '../tasks/dto/task.dto.js';
import { SyncPageDto } from './dto/sync-page.dto.js';
import { otherUsersClient } from './push.service.js';
import { formatCursor, parseCursor, type SyncCursor } from './sync-cursor.js';
import { SyncRepository } from './sync.repository.js';

/** Rows per response, all kinds together (the contract's limit). */
export const SYNC_PAGE_SIZE = 500;

/**
 * Delta sync: what changed after a cursor, in stamp order, a page at a time. Stamps are unique per
 * user and follow commit order (docs/live-updates.md, "How the cursor works"), so "everything after
 * n, up to the returned cursor" never skips a change, whoever writes meanwhile.
 */
@Injectable()
export class SyncService {
  constructor(private readonly changes: SyncRepository) {}

  /**
   * `cursorText` has passed the query DTO's pattern; undefined asks for the full state. With a push
   * client's id, the page says which of its mutations the page's state reflects (`last_mutation_id`).
   */
  async page(userId: string, cursorText?: string, clientId?: string): Promise<SyncPageDto> {
    const given: SyncCursor | undefined = cursorText === undefined ? undefined : parseCursor(cursorText);
    const after = given?.seq ?? 0;
    // The full state holds only live rows: a client starting from nothing has nothing to delete.
    const set = await this.changes.changesAfter(userId, after, SYNC_PAGE_SIZE + 1, after > 0, clientId);
    if (set.client && set.client.user_id !== userId) {
      throw otherUsersClient();
    }
    if (given && (given.seq > set.head || (given.seq > 0 && set.purged > Math.max(given.seq, given.base)))) {
      throw new GoneException(
        'The cursor is older than the deletion history kept (SYNC_RETENTION_DAYS): sync again without a cursor',
      );
    }

    // A row can be stamped for the caller more than once in a batch (its labels, then itself; or it
    // left a list and came back): only its newest stamp counts, live or deleted, so a page never holds
    // a row both changed and deleted.
    const newest = new Map<string, Entry>();
    const add = (key: string, entry: Entry) => {
      const seen = newest.get(key);
      if (!seen || seen.seq < entry.seq) newest.set(key, entry);
    };
    for (const row of set.tasks) {
      add(`tasks:${row.id}`, {
        seq: row.change_seq,
        list: row.list_id,
        apply: (page) => page.tasks.push(toTaskDto(row)),
      });
    }
    for (const row of set.categories) {
      add(`categories:${row.id}`, { seq: row.change_seq, apply: (page) => page.categories.push(toCategoryDto(row)) });
    }
    for (const row of set.lists) {
      add(`lists:${row.id}`, { seq: row.change_seq, list: row.id, apply: (page) => page.lists.push(toListDto(row)) });
    }
    const lost: Entry[] = [];
    for (const tombstone of set.tombstones) {
      const entry: Entry = {
        seq: tombstone.change_seq,
        drops: tombstone.kind === 'lists' ? tombstone.id : undefined,
        apply: (page) => deletedOf(page, tombstone.kind)?.push(tombstone.id),
      };
      const key = `${tombstone.kind}:${tombstone.id}`;
      add(key, entry);
      // A list lost and joined again since the cursor: the client must drop what it holds of the list
      // (tasks deleted meanwhile were not stamped for it) before it takes the list in full again.
      if (entry.drops !== undefined && newest.get(key) !== entry) lost.push(entry);
    }
    const entries = [...newest.values(), ...lost].sort((a, b) => a.seq - b.seq);
    // A page ends before anything of a list whose loss it carries, so that a client applying a page's
    // deletions and rows in either order drops the list first and takes it again on the next page.
    const dropped = new Set<number>();
    let end = Math.min(entries.length, SYNC_PAGE_SIZE);
    for (let i = 0; i < end; i++) {
      const { list, drops } = entries[i];
      if (list !== undefined && dropped.has(list)) end = i;
      else if (drops !== undefined) dropped.add(drops);
    }
    const included = entries.slice(0, end);
    const hasMore = entries.length > end;
    // A last page ends at the head, even when the newest stamps belong to nothing shown (tombstones
    // a full state leaves out), so its cursor equals the one the event stream announces.
    const seq = hasMore ? included[included.length - 1].seq : Math.max(set.head, after);
    const page: SyncPageDto = {
      tasks: [],
      categories: [],
      lists: [],
      deleted: { tasks: [], categories: [], lists: [] },
      cursor: formatCursor({ seq, base: given ? given.base : set.head }),
      has_more: hasMore,
      ...(clientId === undefined ? {} : { last_mutation_id: set.client?.last_mutation_id ?? 0 }),
    };
    for (const entry of included) entry.apply(page);
    return page;
  }
}

function deletedOf(page: SyncPageDto, kind: string): number[] | undefined {
  if (kind === 'tasks') return page.deleted.tasks;
  if (kind === 'categories') return page.deleted.categories;
  if (kind === 'lists') return page.deleted.lists;
  return undefined;
}

interface Entry {
  seq: number;
  /** The list a live row belongs to (a list's own row: itself). */
  list?: number;
  /** The list a tombstone takes from the client. */
  drops?: number;
  apply: (page: SyncPageDto) => void;
}
