import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Res, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { type AuthUser, CurrentUser } from '../auth/current-user.decorator.js';
import { OwnershipGuard } from '../common/ownership.guard.js';
import { ResourceIdPipe } from '../common/resource-id.pipe.js';
import { ApiProblem } from '../openapi/api-problems.decorator.js';
import {
  ApiAuthenticated,
  ApiIgnoredBody,
  ApiJsonBody,
  ApiListRoute,
  ApiPathUser,
  ApiResourceId,
} from '../openapi/api-route.decorator.js';
import { InvitationDto, InvitationListDto } from './dto/invitation.dto.js';
import { MemberRoleDto } from './dto/member-role.dto.js';
import { ListInvitationsService } from './list-invitations.service.js';
import { OWNER_ONLY } from './lists.controller.js';

export const ApiInvitationCode = () =>
  ApiParam({ name: 'code', schema: { type: 'string', minLength: 1 }, description: 'The invitation code' });

/**
 * A list's invitations, under both route families (`/api/lists/{id}/invitations...` and
 * `/api/{userId}/lists/...`): all owner only. Accepting one is InvitationsController's.
 */
@ApiTags('lists')
@ApiAuthenticated()
@ApiPathUser()
@UseGuards(OwnershipGuard)
@Controller(['api/lists/:id/invitations', 'api/:userId/lists/:id/invitations'])
export class ListInvitationsController {
  constructor(private readonly invitations: ListInvitationsService) {}

  /**
   * Invite someone: a code, valid 7 days for one use, that joins whoever accepts it with this role
   * (owner only; not to an inbox; at most 20 open per list and 50 members: 422)
   */
  @Post()
  @ApiOperation({ operationId: 'createInvitation' })
  @ApiResourceId()
  @ApiJsonBody(MemberRoleDto)
  @ApiCreatedResponse({
    type: InvitationDto,
    headers: {
      Location: {
        description: "The invitation's path (DELETE it to revoke), under the route family the request used",
        schema: { type: 'string', format: 'uri-reference', example: '/api/lists/12/invitations/r3Tq0Xb5' },
      },
    },
  })
  @ApiProblem(403, OWNER_ONLY)
  async create(
    @CurrentUser() user: AuthUser,
    @Param('id', ResourceIdPipe) id: number,
    @Param('userId') pathUser: string | undefined,
    @Body() dto: MemberRoleDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<InvitationDto> {
    const invitation = await this.invitations.create(user.id, id, dto);
    const family = pathUser === undefined ? '/api' : `/api/${encodeURIComponent(pathUser)}`;
    reply.header('Location', `${family}/lists/${id}/invitations/${invitation.code}`);
    return invitation;
  }

  /** The list's open invitations (owner only, reading included) */
  @Get()
  @ApiOperation({ operationId: 'listInvitations' })
  @ApiResourceId()
  // An empty list gets a page's weak ETag (common/resource-headers.hook.ts), so the header is documented.
  @ApiListRoute(InvitationListDto, { query: false })
  @ApiProblem(403, OWNER_ONLY)
  list(@CurrentUser() user: AuthUser, @Param('id', ResourceIdPipe) id: number): Promise<InvitationListDto> {
    return this.invitations.list(user.id, id);
  }

  /** Revoke an open invitation (owner only): its code no longer works */
  @Delete(':code')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ operationId: 'revokeInvitation' })
  @ApiResourceId()
  @ApiInvitationCode()
  @ApiIgnoredBody()
  @ApiNoContentResponse({ description: 'Revoked: nothing is sent back' })
  @ApiProblem(403, OWNER_ONLY)
  revoke(
    @CurrentUser() user: AuthUser,
    @Param('id', ResourceIdPipe) id: number,
    @Param('code') code: string,
  ): Promise<void> {
    return this.invitations.revoke(user.id, id, code);
  }
}
