import { ApiProperty } from '@nestjs/swagger';
import { VERSION, type Versioned } from '../../common/etag.js';
import { ROLES, type Role } from '../list-access.js';
import type { ListRow } from '../lists.repository.js';
import { isoTimestamp } from '../../common/iso-timestamp.js';

export class ListDto {
  /** @example 12 */
  @ApiProperty({ type: 'integer', minimum: 1 })
  id: number;
  /** @example "Groceries" */
  name: string;
  /** @example "#3b82f6" */
  color: string;
  /** The list's owner (a user id). */
  owner_id: string;
  /** Your role in the list. */
  @ApiProperty({ enum: ROLES })
  role: Role;
  /** Whether this is your inbox: every user has one, which cannot be deleted, shared or left. */
  is_inbox: boolean;
  /**
   * Read-only. The list's place in your own order of lists (each member has theirs): sort by it as
   * plain strings (byte by byte), after the inbox. Change it with POST .../lists/{id}/move.
   * @example "a1"
   */
  @ApiProperty({ readOnly: true })
  position: string;
  /** How many members the list has, its owner included. */
  @ApiProperty({ type: 'integer', minimum: 1 })
  member_count: number;
  /** How many tasks the list holds, subtasks included. */
  @ApiProperty({ type: 'integer', minimum: 0 })
  task_count: number;
  /** How many of those are not completed. */
  @ApiProperty({ type: 'integer', minimum: 0 })
  pending_count: number;
  /** @example "2026-11-22T10:00:00.000Z" */
  @ApiProperty({ format: 'date-time' })
  created_at: string;
  /** @example "2026-11-22T10:00:00.000Z" */
  @ApiProperty({ format: 'date-time' })
  updated_at: string;
}

export class ListListDto {
  /** Every list you own or are a member of: your inbox first, then in your order (`position`). */
  items: ListDto[];
}

/**
 * A list as the services return it: its version rides along for the ETag. The version follows the
 * list's own fields (name, colour), not its counts nor your position, which are yours alone.
 */
export type VersionedList = Versioned<ListDto>;

/** The API's view of a list for one member. */
export function toListDto(row: ListRow): VersionedList {
  return {
    id: row.id,
    name: row.name,
    color: row.color,
    owner_id: row.owner_id,
    role: row.role,
    is_inbox: row.is_inbox,
    position: row.position,
    member_count: Number(row.member_count),
    task_count: Number(row.task_count),
    pending_count: Number(row.pending_count),
    created_at: isoTimestamp(row.created_at),
    updated_at: isoTimestamp(row.updated_at),
    [VERSION]: row.version,
  };
}
