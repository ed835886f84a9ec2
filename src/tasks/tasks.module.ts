import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IdempotencyModule } from '../idempotency/idempotency.module.js';
import { TaskSetsRepository } from './task-sets.repository.js';
import { TaskSetsService } from './task-sets.service.js';
import { TaskOrderRepository } from './task-order.repository.js';
import { TaskOrderService } from './task-order.service.js';
import { TaskRecurrenceService } from './task-recurrence.service.js';
import { Task } from './task.entity.js';
import { TasksController } from './tasks.controller.js';
import { TasksRepository } from './tasks.repository.js';
import { TasksService } from './tasks.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([Task]), IdempotencyModule],
  controllers: [TasksController],
  providers: [
    TasksService,
    TasksRepository,
    TaskSetsService,
    TaskSetsRepository,
    TaskOrderService,
    TaskOrderRepository,
    TaskRecurrenceService,
  ],
  // GET /api/sync reads changed tasks in its own snapshot.
  exports: [TasksRepository, TasksService],
})
export class TasksModule {}
