import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MemberChange } from '../sync/entities/member-change.entity.js';
import { ListInvitation } from './list-invitation.entity.js';
import { ListMember } from './list-member.entity.js';
import { List } from './list.entity.js';

@Module({
  // member_changes is written by the lists' triggers (and read by sync): registered with them.
  imports: [TypeOrmModule.forFeature([List, ListMember, ListInvitation, MemberChange])],
})
export class ListsModule {}
