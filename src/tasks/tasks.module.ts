import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IdempotencyRepository } from './idempotency.repository.js';
import { IdempotencyService } from './idempotency.service.js';
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
  imports: [TypeOrmModule.forFeature([Task])],
  controllers: [TasksController],
  providers: [
    TasksService,
    TasksRepository,
    TaskSetsService,
    TaskSetsRepository,
    TaskOrderService,
    TaskOrderRepository,
    TaskRecurrenceService,
    IdempotencyService,
    IdempotencyRepository,
  ],
  // GET /api/sync reads changed tasks in its own snapshot.
  exports: [TasksRepository],
})
export class TasksModule {}
