import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { INVITED_ROLES } from '../list-access.js';
import type { InvitedRole } from '../list-invitations.repository.js';

/** A role a member can be given (or invited with): a list has exactly one owner. */
export class MemberRoleDto {
  /** `editor`: reads and writes the list's tasks, renames the list; `viewer`: reads it. */
  @ApiProperty({ enum: INVITED_ROLES })
  @IsIn(INVITED_ROLES)
  role: InvitedRole;
}
