import { Controller, HttpCode, HttpStatus, Param, Post, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { type AuthUser, CurrentUser } from '../auth/current-user.decorator.js';
import { OwnershipGuard } from '../common/ownership.guard.js';
import { ApiProblem, ApiProblems } from '../openapi/api-problems.decorator.js';
import { ApiAuthenticated, ApiIgnoredBody, ApiPathUser, ApiResourceOk } from '../openapi/api-route.decorator.js';
import { ListDto } from './dto/list.dto.js';
import { ApiInvitationCode } from './list-invitations.controller.js';
import { ListInvitationsService } from './list-invitations.service.js';

/** Accepting an invitation, under both route families (`/api/invitations/...`, `/api/{userId}/invitations/...`). */
@ApiTags('lists')
@ApiAuthenticated()
@ApiPathUser()
@UseGuards(OwnershipGuard)
@Controller(['api/invitations', 'api/:userId/invitations'])
export class InvitationsController {
  constructor(private readonly invitations: ListInvitationsService) {}

  /**
   * Join a list with an invitation's code and role; the list goes to the end of your order. An
   * expired, used, revoked or unknown code is 404 for anyone.
   */
  @Post(':code/accept')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ operationId: 'acceptInvitation' })
  @ApiInvitationCode()
  @ApiIgnoredBody()
  @ApiResourceOk(ListDto)
  @ApiProblems(404)
  @ApiProblem(409, 'You are already a member of the list (its owner included): the code stays open')
  @ApiProblem(422, 'The list already has 50 members, the most allowed')
  accept(@CurrentUser() user: AuthUser, @Param('code') code: string): Promise<ListDto> {
    return this.invitations.accept(user.id, code);
  }
}
