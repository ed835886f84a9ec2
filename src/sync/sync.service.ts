import { GoneException, Injectable } from '@nestjs/common';
import { toCategoryDto } from '../categories/dto/category.dto.js';
import { toListDto } from '../lists/dto/list.dto.js';
import { toTaskDto } from '../tasks/dto/task.dto.js';
import { SyncPageDto } from './dto/sync-page.dto.js';
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

  /** `cursorText` has passed the query DTO's pattern; undefined asks for the full state. */
  async page(userId: string, cursorText?: string): Promise<SyncPageDto> {
    const given: SyncCursor | undefined = cursorText === undefined ? undefined : parseCursor(cursorText);
    const after = given?.seq ?? 0;
    // The full state holds only live rows: a client starting from nothing has nothing to delete.
    const set = await this.changes.changesAfter(userId, after, SYNC_PAGE_SIZE + 1, after > 0);
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
      add(`tasks:${row.id}`, { seq: row.change_seq, apply: (page) => page.tasks.push(toTaskDto(row)) });
    }
    for (const row of set.categories) {
      add(`categories:${row.id}`, { seq: row.change_seq, apply: (page) => page.categories.push(toCategoryDto(row)) });
    }
    for (const row of set.lists) {
      add(`lists:${row.id}`, { seq: row.change_seq, apply: (page) => page.lists.push(toListDto(row)) });
    }
    for (const tombstone of set.tombstones) {
      add(`${tombstone.kind}:${tombstone.id}`, {
        seq: tombstone.change_seq,
        apply: (page) => deletedOf(page, tombstone.kind)?.push(tombstone.id),
      });
    }
    const entries = [...newest.values()].sort((a, b) => a.seq - b.seq);
    const included = entries.slice(0, SYNC_PAGE_SIZE);
    const hasMore = entries.length > SYNC_PAGE_SIZE;
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
  apply: (page: SyncPageDto) => void;
}
