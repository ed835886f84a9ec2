import { ApiProperty } from '@nestjs/swagger';
import { ROLES, type Role } from '../list-access.js';
import type { MemberRow } from '../list-members.repository.js';
import { isoTimestamp } from '../../common/iso-timestamp.js';

export class MemberDto {
  /** The member's user id. */
  user_id: string;
  /**
   * The member's email; null for an account that has none.
   * @example "ada@example.com"
   */
  @ApiProperty({ type: 'string', nullable: true })
  email: string | null;
  /** @example "Ada" */
  name: string;
  @ApiProperty({ enum: ROLES })
  role: Role;
  /** When they joined (for the owner: when the list was made). */
  @ApiProperty({ format: 'date-time' })
  joined_at: string;
}

export class MemberListDto {
  /** The list's members: the owner first, then by when they joined. */
  items: MemberDto[];
}

export function toMemberDto(row: MemberRow): MemberDto {
  return {
    user_id: row.user_id,
    email: row.email,
    name: row.name,
    role: row.role,
    joined_at: isoTimestamp(row.joined_at),
  };
}
