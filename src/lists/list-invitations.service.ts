import { ConflictException, Injectable, NotFoundException, UnprocessableEntityException } from '@nestjs/common';
import { generateKeyBetween } from 'fractional-indexing';
import { randomBytes } from 'node:crypto';
import { UserWrites } from '../database/user-writes.js';
import { type InvitationDto, type InvitationListDto, toInvitationDto } from './dto/invitation.dto.js';
import { toListDto, type VersionedList } from './dto/list.dto.js';
import type { MemberRoleDto } from './dto/member-role.dto.js';
import { requireAccess, requireRole } from './list-access.js';
import { ListInvitationsRepository } from './list-invitations.repository.js';
import { ListMembersRepository } from './list-members.repository.js';
import { MAX_MEMBERS_PER_LIST, MAX_OPEN_INVITATIONS_PER_LIST } from './list.entity.js';
import { ListsRepository } from './lists.repository.js';
import { LIST } from './lists.service.js';

/** How long a code stays valid. */
export const INVITATION_DAYS = 7;

/** Random bytes per code: 192 bits, written as 32 base64url characters. */
const CODE_BYTES = 24;

/** Whatever is wrong with a code (expired, used, revoked, unknown), and whoever asks, one answer. */
const invitationNotFound = () => new NotFoundException('Invitation not found');

const listFull = () =>
  new UnprocessableEntityException(`The list already has ${MAX_MEMBERS_PER_LIST} members, the most allowed`);

/**
 * Invitation rules: only the owner makes, reads and revokes a list's codes; an inbox is never
 * shared; the limits per list; and accepting, which uses a code up and makes a member in one
 * transaction. A code names no person, so nothing here tells whether an email has an account.
 */
@Injectable()
export class ListInvitationsService {
  constructor(
    private readonly lists: ListsRepository,
    private readonly members: ListMembersRepository,
    private readonly invitations: ListInvitationsRepository,
    private readonly writes: UserWrites,
  ) {}

  async create(userId: string, listId: number, dto: MemberRoleDto): Promise<InvitationDto> {
    const row = await this.writes.runAtomic(userId, async (write) => {
      const list = requireAccess(await this.lists.lock(write, listId), 'own', 'inviting members');
      if (list.is_inbox) throw new UnprocessableEntityException('Your inbox cannot be shared');
      if ((await this.members.count(write, listId)) >= MAX_MEMBERS_PER_LIST) throw listFull();
      if ((await this.invitations.openCount(write, listId)) >= MAX_OPEN_INVITATIONS_PER_LIST) {
        throw new UnprocessableEntityException(
          `The list already has ${MAX_OPEN_INVITATIONS_PER_LIST} open invitations, the most allowed; revoke one to make room`,
        );
      }
      const code = randomBytes(CODE_BYTES).toString('base64url');
      return this.invitations.insert(write, listId, { code, role: dto.role, days: INVITATION_DAYS });
    });
    return toInvitationDto(row);
  }

  /** Owner only, reads included. */
  async list(userId: string, listId: number): Promise<InvitationListDto> {
    requireRole(await this.lists.roleOf(userId, listId), 'own', "reading a list's invitations");
    return { items: (await this.invitations.list(listId)).map(toInvitationDto) };
  }

  async revoke(userId: string, listId: number, code: string): Promise<void> {
    await this.writes.runAtomic(userId, async (write) => {
      requireAccess(await this.lists.lock(write, listId), 'own', 'revoking an invitation');
      if (!(await this.invitations.revoke(write, listId, code))) throw invitationNotFound();
    });
  }

  /**
   * Joins the caller to the code's list with its role, at the end of their order. One already in the
   * list (the owner included) gets 409 and the code stays open. Serialized for the caller (their
   * order), and under the list's lock (the member limit, and one use of the code).
   */
  async accept(userId: string, code: string): Promise<VersionedList> {
    const row = await this.writes.runSerialized(userId, async (write) => {
      const invitation = await this.invitations.findOpen(write, code);
      const list = invitation && (await this.lists.lock(write, invitation.list_id));
      if (!list) throw invitationNotFound();
      if (list.role) throw new ConflictException('You are already a member of this list');
      if ((await this.members.count(write, list.id)) >= MAX_MEMBERS_PER_LIST) throw listFull();
      const taken = await this.invitations.take(write, code);
      if (!taken) throw invitationNotFound();
      const position = generateKeyBetween(await this.lists.lastPosition(write), null);
      await this.members.join(write, list.id, taken.role, position);
      return LIST.found(await this.lists.findIn(write, list.id));
    });
    return toListDto(row);
  }
}
