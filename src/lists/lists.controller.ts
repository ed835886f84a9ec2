import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { type AuthUser, CurrentUser } from '../auth/current-user.decorator.js';
import { type IfMatch, IfMatchPipe } from '../common/etag.js';
import { OwnershipGuard } from '../common/ownership.guard.js';
import { RequestHeader } from '../common/request-header.decorator.js';
import { ResourceIdPipe } from '../common/resource-id.pipe.js';
import { ApiProblem } from '../openapi/api-problems.decorator.js';
import {
  ApiAuthenticated,
  ApiCreateRoute,
  ApiDeleteRoute,
  ApiJsonBody,
  ApiListRoute,
  ApiPathUser,
  ApiReadRoute,
  ApiResourceId,
  ApiResourceOk,
  ApiUpdateRoute,
} from '../openapi/api-route.decorator.js';
import { CreateListDto } from './dto/create-list.dto.js';
import { ListDto, ListListDto } from './dto/list.dto.js';
import { MoveListDto } from './dto/move-list.dto.js';
import { UpdateListDto } from './dto/update-list.dto.js';
import { ListOrderService } from './list-order.service.js';
import { ListsService } from './lists.service.js';

/** The 403 of a route an editor may use and a viewer may not. */
export const EDITORS_ONLY = 'Your role in the list is viewer: this needs the editor or owner role';
/** The 403 of a route only the list's owner may use. */
export const OWNER_ONLY = 'Your role in the list is editor or viewer: this needs the owner role';

/**
 * Lists under both route families: `/api/lists...` and `/api/{userId}/lists...` (the token's user,
 * else 403). A list the caller is not a member of is 404 on every route.
 */
@ApiTags('lists')
@ApiAuthenticated()
@ApiPathUser()
@UseGuards(OwnershipGuard)
@Controller(['api/lists', 'api/:userId/lists'])
export class ListsController {
  constructor(
    private readonly lists: ListsService,
    private readonly order: ListOrderService,
  ) {}

  /** The lists you own or are a member of: your inbox first, then in your order */
  @Get()
  @ApiOperation({ operationId: 'listLists' })
  @ApiListRoute(ListListDto, { query: false })
  list(@CurrentUser() user: AuthUser): Promise<ListListDto> {
    return this.lists.list(user.id);
  }

  /** Create a list you own, at the end of your order (at most 200 owned, your inbox included) */
  @Post()
  @ApiOperation({ operationId: 'createList' })
  @ApiCreateRoute(ListDto, CreateListDto)
  create(@CurrentUser() user: AuthUser, @Body() dto: CreateListDto): Promise<ListDto> {
    return this.lists.create(user.id, dto);
  }

  /** Get one of your lists, with your role in it */
  @Get(':id')
  @ApiOperation({ operationId: 'getList' })
  @ApiReadRoute(ListDto)
  findOne(@CurrentUser() user: AuthUser, @Param('id', ResourceIdPipe) id: number): Promise<ListDto> {
    return this.lists.findOne(user.id, id);
  }

  /** Rename or recolour a list (owner and editors) */
  @Patch(':id')
  @ApiOperation({ operationId: 'updateList' })
  @ApiUpdateRoute(ListDto, UpdateListDto)
  @ApiProblem(403, EDITORS_ONLY)
  update(
    @CurrentUser() user: AuthUser,
    @Param('id', ResourceIdPipe) id: number,
    @Body() dto: UpdateListDto,
    @RequestHeader('if-match', IfMatchPipe) ifMatch?: IfMatch,
  ): Promise<ListDto> {
    return this.lists.update(user.id, id, dto, ifMatch);
  }

  /** Delete a list with all its tasks (owner only; never the inbox: 422) */
  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ operationId: 'deleteList' })
  @ApiDeleteRoute()
  @ApiProblem(403, OWNER_ONLY)
  @ApiProblem(422, 'The id in the path is not valid, or the list is your inbox')
  remove(
    @CurrentUser() user: AuthUser,
    @Param('id', ResourceIdPipe) id: number,
    @RequestHeader('if-match', IfMatchPipe) ifMatch?: IfMatch,
  ): Promise<void> {
    return this.lists.remove(user.id, id, ifMatch);
  }

  /**
   * Move a list in your own order of lists (any member, viewers included): after a list, before one,
   * or first. Others' orders do not change, nor does the list's ETag.
   */
  @Post(':id/move')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ operationId: 'moveList' })
  @ApiResourceId()
  @ApiJsonBody(MoveListDto)
  @ApiResourceOk(ListDto)
  move(
    @CurrentUser() user: AuthUser,
    @Param('id', ResourceIdPipe) id: number,
    @Body() dto: MoveListDto,
  ): Promise<ListDto> {
    return this.order.move(user.id, id, dto);
  }
}
