import { ApiProperty } from '@nestjs/swagger';
import { INVITED_ROLES } from '../list-access.js';
import type { InvitationRow, InvitedRole } from '../list-invitations.repository.js';
import { isoTimestamp } from '../../common/iso-timestamp.js';

export class InvitationDto {
  /**
   * The secret to pass on: whoever sends it to POST /api/invitations/{code}/accept joins the list,
   * once. Random, 192 bits.
   * @example "r3Tq0Xb5k9PzLw2mYc8vJh1uNs4aEo6d"
   */
  code: string;
  /** The role the code gives. */
  @ApiProperty({ enum: INVITED_ROLES })
  role: InvitedRole;
  /** The code is valid until then: 7 days after it was made. */
  @ApiProperty({ format: 'date-time' })
  expires_at: string;
}

export class InvitationListDto {
  /** The list's open invitations (not used, revoked or expired), oldest first. */
  items: InvitationDto[];
}

export function toInvitationDto(row: InvitationRow): InvitationDto {
  return { code: row.code, role: row.role, expires_at: isoTimestamp(row.expires_at) };
}
