import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post, Put, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiParam, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser } from '../auth/current-user.decorator';
import { CreateTaskDto } from './dto/create-task.dto';
import { ListTasksQueryDto } from './dto/list-tasks-query.dto';
import { TaskDto, TaskPageDto } from './dto/task.dto';
import { CompleteTaskDto, UpdateTaskDto } from './dto/update-task.dto';
import { OwnershipGuard } from './ownership.guard';
import { TaskIdPipe } from './task-id.pipe';
import { TasksService } from './tasks.service';

/**
 * One implementation for both route families: `/api/tasks...` (the token's user) and
 * `/api/{userId}/tasks...` (must be the token's user, else 403).
 */
@ApiTags('tasks')
@ApiBearerAuth()
@ApiParam({ name: 'userId', required: false, description: "Only on /api/{userId}/tasks routes: must equal the token's sub" })
@UseGuards(OwnershipGuard)
@Controller(['api/tasks', 'api/:userId/tasks'])
export class TasksController {
  constructor(private readonly tasks: TasksService) {}

  /** List your tasks: filter, search, sort and page */
  @Get()
  list(@CurrentUser() user: AuthUser, @Query() query: ListTasksQueryDto): Promise<TaskPageDto> {
    return this.tasks.list(user.id, query);
  }

  /** Create a task */
  @Post()
  create(@CurrentUser() user: AuthUser, @Body() dto: CreateTaskDto): Promise<TaskDto> {
    return this.tasks.create(user.id, dto);
  }

  /** Get one task */
  @Get(':id')
  findOne(@CurrentUser() user: AuthUser, @Param('id', TaskIdPipe) id: number): Promise<TaskDto> {
    return this.tasks.findOne(user.id, id);
  }

  /** Update a task (merges the given fields) */
  @Put(':id')
  replace(@CurrentUser() user: AuthUser, @Param('id', TaskIdPipe) id: number, @Body() dto: UpdateTaskDto): Promise<TaskDto> {
    return this.tasks.update(user.id, id, dto);
  }

  /** Update a task (merges the given fields) */
  @Patch(':id')
  update(@CurrentUser() user: AuthUser, @Param('id', TaskIdPipe) id: number, @Body() dto: UpdateTaskDto): Promise<TaskDto> {
    return this.tasks.update(user.id, id, dto);
  }

  /** Toggle completion, or set it with `{ "completed": true|false }` */
  @Patch(':id/complete')
  complete(@CurrentUser() user: AuthUser, @Param('id', TaskIdPipe) id: number, @Body() dto: CompleteTaskDto): Promise<TaskDto> {
    return this.tasks.complete(user.id, id, dto.completed);
  }

  /** Delete a task */
  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  remove(@CurrentUser() user: AuthUser, @Param('id', TaskIdPipe) id: number): Promise<void> {
    return this.tasks.remove(user.id, id);
  }
}
