import { Injectable, NotFoundException, UnprocessableEntityException } from '@nestjs/common';
import { AfterCommit, UserWrites } from '../database/user-writes.js';
import type { MemberRoleDto } from './dto/member-role.dto.js';
import { type MemberDto, type MemberListDto, toMemberDto } from './dto/member.dto.js';
import { requireAccess, requireRole } from './list-access.js';
import { ListMembersRepository } from './list-members.repository.js';
import { ListsRepository } from './lists.repository.js';

const memberNotFound = () => new NotFoundException('Member not found');

/**
 * Membership rules: any member reads who else is in the list; the owner changes roles and removes
 * members; a member leaves by removing themselves, though not the owner, nor anyone from an inbox.
 * Changes run under the list's lock. One who loses access is announced to by name after commit.
 */
@Injectable()
export class ListMembersService {
  constructor(
    private readonly lists: ListsRepository,
    private readonly members: ListMembersRepository,
    private readonly writes: UserWrites,
    private readonly afterCommit: AfterCommit,
  ) {}

  async list(userId: string, listId: number): Promise<MemberListDto> {
    requireRole(await this.lists.roleOf(userId, listId), 'read');
    return { items: (await this.members.list(listId)).map(toMemberDto) };
  }

  async updateRole(userId: string, listId: number, memberId: string, dto: MemberRoleDto): Promise<MemberDto> {
    const row = await this.writes.runAtomic(userId, async (write) => {
      requireAccess(await this.lists.lock(write, listId), 'own', "changing a member's role");
      const member = await this.members.find(write, listId, memberId);
      if (!member) throw memberNotFound();
      if (member.role === 'owner') {
        throw new UnprocessableEntityException("The owner's role cannot be changed; a list has exactly one owner");
      }
      return this.members.setRole(write, listId, memberId, dto.role);
    });
    return toMemberDto(row);
  }

  /** The owner removes a member, or a member leaves (`memberId` is theirs); their assignments end too. */
  async remove(userId: string, listId: number, memberId: string): Promise<void> {
    const leaving = memberId === userId;
    await this.writes.runAtomic(userId, async (write) => {
      const list = requireAccess(await this.lists.lock(write, listId), leaving ? 'read' : 'own', 'removing a member');
      if (leaving && list.is_inbox) throw new UnprocessableEntityException('You cannot leave your inbox');
      if (leaving && list.role === 'owner') {
        throw new UnprocessableEntityException('The owner cannot leave their list; delete it instead');
      }
      if (!leaving && !(await this.members.find(write, listId, memberId))) throw memberNotFound();
      await this.members.remove(write, listId, memberId);
    });
    this.afterCommit.announce(memberId);
  }
}
