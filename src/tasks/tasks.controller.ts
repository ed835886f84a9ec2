import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Patch,
  Post,
  Put,
  Query,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiParam, ApiTags } from '@nestjs/swagger';
import { type AuthUser, CurrentUser } from '../auth/current-user.decorator.js';
import { type IfMatch, IfMatchPipe } from '../common/etag.js';
import { IdempotencyKeyPipe } from '../common/idempotency-key.pipe.js';
import { OwnershipGuard } from '../common/ownership.guard.js';
import { RequestHeader } from '../common/request-header.decorator.js';
import { ResourceIdPipe } from '../common/resource-id.pipe.js';
import { CompleteAllDto, CompleteAllResultDto, DeleteMatchingResultDto } from './dto/bulk-actions.dto.js';
import { CreateTaskDto } from './dto/create-task.dto.js';
import { ListTasksQueryDto } from './dto/list-tasks-query.dto.js';
import { MoveTaskDto } from './dto/move-task.dto.js';
import { TaskFilterQueryDto } from './dto/task-filter-query.dto.js';
import { TaskSummaryDto, TaskSummaryQueryDto } from './dto/task-summary.dto.js';
import { TaskDto, TaskPageDto } from './dto/task.dto.js';
import { CompleteTaskDto, UpdateTaskDto } from './dto/update-task.dto.js';
import { TaskSetsService } from './task-sets.service.js';
import { TasksService } from './tasks.service.js';

const IF_MATCH = ApiHeader({
  name: 'If-Match',
  required: false,
  description: "The task's ETag (or `*`): the request applies only if the task has not changed since, else 412",
});

/**
 * One implementation for both route families: `/api/tasks...` (the token's user) and
 * `/api/{userId}/tasks...` (must be the token's user, else 403).
 */
@ApiTags('tasks')
@ApiBearerAuth()
@ApiParam({
  name: 'userId',
  type: String,
  required: false,
  description: "Only on /api/{userId}/tasks routes: must equal the token's sub",
})
@UseGuards(OwnershipGuard)
@Controller(['api/tasks', 'api/:userId/tasks'])
export class TasksController {
  constructor(
    private readonly tasks: TasksService,
    private readonly taskSets: TaskSetsService,
  ) {}

  /** List your tasks: filter, search, sort and page */
  @Get()
  list(@CurrentUser() user: AuthUser, @Query() query: ListTasksQueryDto): Promise<TaskPageDto> {
    return this.tasks.list(user.id, query);
  }

  /** Counts of the matching tasks (all when no filter is given), with "today" in the zone `tz` */
  @Get('summary')
  summary(@CurrentUser() user: AuthUser, @Query() query: TaskSummaryQueryDto): Promise<TaskSummaryDto> {
    return this.taskSets.summary(user.id, query);
  }

  /** Complete (or reopen) every task the filters match, in one transaction */
  @Post('complete-all')
  @HttpCode(HttpStatus.OK)
  completeAll(
    @CurrentUser() user: AuthUser,
    @Query() query: TaskFilterQueryDto,
    @Body() dto: CompleteAllDto,
  ): Promise<CompleteAllResultDto> {
    return this.taskSets.completeAll(user.id, query, dto.completed);
  }

  /** Delete every task the filters match, in one transaction; at least one filter is required */
  @Delete()
  removeMatching(@CurrentUser() user: AuthUser, @Query() query: TaskFilterQueryDto): Promise<DeleteMatchingResultDto> {
    return this.taskSets.removeMatching(user.id, query);
  }

  /** Create a task */
  @Post()
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      'Up to 255 visible ASCII characters, kept 24 hours per user: a retry with the same key and body returns the first result and creates nothing; another body is 422',
  })
  create(
    @CurrentUser() user: AuthUser,
    @Body() dto: CreateTaskDto,
    @RequestHeader('idempotency-key', IdempotencyKeyPipe) idempotencyKey?: string,
  ): Promise<TaskDto> {
    return this.tasks.create(user.id, dto, idempotencyKey);
  }

  /** Get one task */
  @Get(':id')
  findOne(@CurrentUser() user: AuthUser, @Param('id', ResourceIdPipe) id: number): Promise<TaskDto> {
    return this.tasks.findOne(user.id, id);
  }

  /** Update a task (merges the given fields) */
  @Put(':id')
  @IF_MATCH
  replace(
    @CurrentUser() user: AuthUser,
    @Param('id', ResourceIdPipe) id: number,
    @Body() dto: UpdateTaskDto,
    @RequestHeader('if-match', IfMatchPipe) ifMatch?: IfMatch,
  ): Promise<TaskDto> {
    return this.tasks.update(user.id, id, dto, ifMatch);
  }

  /** Update a task (merges the given fields) */
  @Patch(':id')
  @IF_MATCH
  update(
    @CurrentUser() user: AuthUser,
    @Param('id', ResourceIdPipe) id: number,
    @Body() dto: UpdateTaskDto,
    @RequestHeader('if-match', IfMatchPipe) ifMatch?: IfMatch,
  ): Promise<TaskDto> {
    return this.tasks.update(user.id, id, dto, ifMatch);
  }

  /** Toggle completion, or set it with `{ "completed": true|false }` */
  @Patch(':id/complete')
  @IF_MATCH
  complete(
    @CurrentUser() user: AuthUser,
    @Param('id', ResourceIdPipe) id: number,
    @Body() dto: CompleteTaskDto,
    @RequestHeader('if-match', IfMatchPipe) ifMatch?: IfMatch,
  ): Promise<TaskDto> {
    return this.tasks.complete(user.id, id, dto.completed, ifMatch);
  }

  /** Move a task in the manual order: after a task, before one, or to the top */
  @Post(':id/move')
  @HttpCode(HttpStatus.OK)
  @IF_MATCH
  move(
    @CurrentUser() user: AuthUser,
    @Param('id', ResourceIdPipe) id: number,
    @Body() dto: MoveTaskDto,
    @RequestHeader('if-match', IfMatchPipe) ifMatch?: IfMatch,
  ): Promise<TaskDto> {
    return this.tasks.move(user.id, id, dto, ifMatch);
  }

  /** Delete a task */
  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @IF_MATCH
  remove(
    @CurrentUser() user: AuthUser,
    @Param('id', ResourceIdPipe) id: number,
    @RequestHeader('if-match', IfMatchPipe) ifMatch?: IfMatch,
  ): Promise<void> {
    return this.tasks.remove(user.id, id, ifMatch);
  }
}
