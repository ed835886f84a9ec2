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
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { type AuthUser, CurrentUser } from '../auth/current-user.decorator.js';
import { type IfMatch, IfMatchPipe } from '../common/etag.js';
import { IdempotencyKeyPipe } from '../idempotency/idempotency-key.pipe.js';
import { ApiProblem } from '../openapi/api-problems.decorator.js';
import { OwnershipGuard } from '../common/ownership.guard.js';
import { RequestHeader } from '../common/request-header.decorator.js';
import { ResourceIdPipe } from '../common/resource-id.pipe.js';
import {
  ApiAuthenticated,
  ApiCreateRoute,
  ApiDeleteRoute,
  ApiFilteredRoute,
  ApiIdempotencyKey,
  ApiIgnoredBody,
  ApiJsonBody,
  ApiListRoute,
  ApiPathUser,
  ApiReadRoute,
  ApiUpdateRoute,
} from '../openapi/api-route.decorator.js';
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

/** The 403 of a write to a task of a list where the caller is a viewer. */
const WRITERS_ONLY = 'The task is in a list where your role is viewer: changing it needs the editor or owner role';

/**
 * One implementation for both route families: `/api/tasks...` (the token's user) and
 * `/api/{userId}/tasks...` (must be the token's user, else 403).
 */
@ApiTags('tasks')
@ApiAuthenticated()
@ApiPathUser()
@UseGuards(OwnershipGuard)
@Controller(['api/tasks', 'api/:userId/tasks'])
export class TasksController {
  constructor(
    private readonly tasks: TasksService,
    private readonly taskSets: TaskSetsService,
  ) {}

  /** List your tasks: filter, search, sort and page */
  @Get()
  @ApiOperation({ operationId: 'listTasks' })
  @ApiListRoute(TaskPageDto)
  list(@CurrentUser() user: AuthUser, @Query() query: ListTasksQueryDto): Promise<TaskPageDto> {
    return this.tasks.list(user.id, query);
  }

  /** Counts of the matching tasks (all when no filter is given), with "today" in the zone `tz` */
  @Get('summary')
  @ApiOperation({ operationId: 'getTaskSummary' })
  @ApiFilteredRoute(TaskSummaryDto)
  summary(@CurrentUser() user: AuthUser, @Query() query: TaskSummaryQueryDto): Promise<TaskSummaryDto> {
    return this.taskSets.summary(user.id, query);
  }

  /** Complete (or reopen) every task the filters match, in one transaction */
  @Post('complete-all')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ operationId: 'completeAllTasks' })
  @ApiFilteredRoute(CompleteAllResultDto)
  @ApiJsonBody(CompleteAllDto)
  completeAll(
    @CurrentUser() user: AuthUser,
    @Query() query: TaskFilterQueryDto,
    @Body() dto: CompleteAllDto,
  ): Promise<CompleteAllResultDto> {
    return this.taskSets.completeAll(user.id, query, dto.completed);
  }

  /** Delete every task the filters match, in one transaction; at least one filter is required */
  @Delete()
  @ApiOperation({ operationId: 'deleteTasks' })
  @ApiFilteredRoute(DeleteMatchingResultDto)
  @ApiIgnoredBody()
  removeMatching(@CurrentUser() user: AuthUser, @Query() query: TaskFilterQueryDto): Promise<DeleteMatchingResultDto> {
    return this.taskSets.removeMatching(user.id, query);
  }

  /** Create a task */
  @Post()
  @ApiOperation({ operationId: 'createTask' })
  @ApiProblem(403, WRITERS_ONLY)
  @ApiCreateRoute(TaskDto, CreateTaskDto)
  @ApiIdempotencyKey()
  create(
    @CurrentUser() user: AuthUser,
    @Body() dto: CreateTaskDto,
    @RequestHeader('idempotency-key', IdempotencyKeyPipe) idempotencyKey?: string,
  ): Promise<TaskDto> {
    return this.tasks.create(user.id, dto, idempotencyKey);
  }

  /** Get one task */
  @Get(':id')
  @ApiOperation({ operationId: 'getTask' })
  @ApiReadRoute(TaskDto)
  findOne(@CurrentUser() user: AuthUser, @Param('id', ResourceIdPipe) id: number): Promise<TaskDto> {
    return this.tasks.findOne(user.id, id);
  }

  /** Update a task (merges the given fields) */
  @Put(':id')
  @ApiOperation({ operationId: 'replaceTask' })
  @ApiProblem(403, WRITERS_ONLY)
  @ApiUpdateRoute(TaskDto, UpdateTaskDto)
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
  @ApiOperation({ operationId: 'updateTask' })
  @ApiProblem(403, WRITERS_ONLY)
  @ApiUpdateRoute(TaskDto, UpdateTaskDto)
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
  @ApiOperation({ operationId: 'completeTask' })
  @ApiProblem(403, WRITERS_ONLY)
  @ApiUpdateRoute(TaskDto, CompleteTaskDto)
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
  @ApiOperation({ operationId: 'moveTask' })
  @ApiProblem(403, WRITERS_ONLY)
  @ApiUpdateRoute(TaskDto, MoveTaskDto, { bodyRequired: true })
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
  @ApiOperation({ operationId: 'deleteTask' })
  @ApiProblem(403, WRITERS_ONLY)
  @ApiDeleteRoute()
  remove(
    @CurrentUser() user: AuthUser,
    @Param('id', ResourceIdPipe) id: number,
    @RequestHeader('if-match', IfMatchPipe) ifMatch?: IfMatch,
  ): Promise<void> {
    return this.tasks.remove(user.id, id, ifMatch);
  }
}
