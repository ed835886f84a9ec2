import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MemberChange } from '../sync/entities/member-change.entity.js';
import { InvitationsController } from './invitations.controller.js';
import { ListInvitation } from './list-invitation.entity.js';
import { ListInvitationsController } from './list-invitations.controller.js';
import { ListInvitationsRepository } from './list-invitations.repository.js';
import { ListInvitationsService } from './list-invitations.service.js';
import { ListMember } from './list-member.entity.js';
import { ListMembersController } from './list-members.controller.js';
import { ListMembersRepository } from './list-members.repository.js';
import { ListMembersService } from './list-members.service.js';
import { ListOrderService } from './list-order.service.js';
import { List } from './list.entity.js';
import { ListsController } from './lists.controller.js';
import { ListsRepository } from './lists.repository.js';
import { ListsService } from './lists.service.js';

/** Lists, their members and invitations; who may do what is list-access.ts's. */
@Module({
  // member_changes is written by the lists' triggers (and read by sync): registered with them.
  imports: [TypeOrmModule.forFeature([List, ListMember, ListInvitation, MemberChange])],
  controllers: [ListsController, ListMembersController, ListInvitationsController, InvitationsController],
  providers: [
    ListsService,
    ListOrderService,
    ListMembersService,
    ListInvitationsService,
    ListsRepository,
    ListMembersRepository,
    ListInvitationsRepository,
  ],
  // Tasks ask the lists for a role (list-access.ts holds the rule; the repository reads it).
  exports: [ListsRepository, ListsService],
})
export class ListsModule {}
