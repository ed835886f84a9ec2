import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, UseGuards } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { type AuthUser, CurrentUser } from '../auth/current-user.decorator.js';
import { OwnershipGuard } from '../common/ownership.guard.js';
import { ResourceIdPipe } from '../common/resource-id.pipe.js';
import { ApiProblem } from '../openapi/api-problems.decorator.js';
import {
  ApiAuthenticated,
  ApiIgnoredBody,
  ApiJsonBody,
  ApiPathUser,
  ApiResourceId,
} from '../openapi/api-route.decorator.js';
import { MemberRoleDto } from './dto/member-role.dto.js';
import { MemberDto, MemberListDto } from './dto/member.dto.js';
import { ListMembersService } from './list-members.service.js';
import { OWNER_ONLY } from './lists.controller.js';

const ApiMemberId = () =>
  ApiParam({ name: 'memberId', schema: { type: 'string', minLength: 1 }, description: "The member's user id" });

/** A list's members, under both route families (`/api/lists/{id}/members...`, `/api/{userId}/lists/...`). */
@ApiTags('lists')
@ApiAuthenticated()
@ApiPathUser()
@UseGuards(OwnershipGuard)
@Controller(['api/lists/:id/members', 'api/:userId/lists/:id/members'])
export class ListMembersController {
  constructor(private readonly members: ListMembersService) {}

  /** The list's members, the owner first (any member may read them) */
  @Get()
  @ApiOperation({ operationId: 'listMembers' })
  @ApiResourceId()
  @ApiOkResponse({ type: MemberListDto })
  list(@CurrentUser() user: AuthUser, @Param('id', ResourceIdPipe) id: number): Promise<MemberListDto> {
    return this.members.list(user.id, id);
  }

  /** Make a member an editor or a viewer (owner only; the owner's own role cannot change: 422) */
  @Patch(':memberId')
  @ApiOperation({ operationId: 'updateMember' })
  @ApiResourceId()
  @ApiMemberId()
  @ApiJsonBody(MemberRoleDto)
  @ApiOkResponse({ type: MemberDto })
  @ApiProblem(403, OWNER_ONLY)
  update(
    @CurrentUser() user: AuthUser,
    @Param('id', ResourceIdPipe) id: number,
    @Param('memberId') memberId: string,
    @Body() dto: MemberRoleDto,
  ): Promise<MemberDto> {
    return this.members.updateRole(user.id, id, memberId, dto);
  }

  /**
   * Remove a member (owner only), or leave the list (your own id; not the owner, nor from the
   * inbox: 422). Their access ends at once, and the list's tasks assigned to them are unassigned.
   */
  @Delete(':memberId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ operationId: 'removeMember' })
  @ApiResourceId()
  @ApiMemberId()
  @ApiIgnoredBody()
  @ApiNoContentResponse({ description: 'Removed: nothing is sent back' })
  @ApiProblem(403, OWNER_ONLY)
  @ApiProblem(422, 'The id in the path is not valid, or the owner or an inbox cannot be left')
  remove(
    @CurrentUser() user: AuthUser,
    @Param('id', ResourceIdPipe) id: number,
    @Param('memberId') memberId: string,
  ): Promise<void> {
    return this.members.remove(user.id, id, memberId);
  }
}
