import { Module } from '@nestjs/common';
import { IdempotencyService } from './idempotency.service.js';
import { TasksController } from './tasks.controller.js';
import { TasksService } from './tasks.service.js';

@Module({
  controllers: [TasksController],
  providers: [TasksService, IdempotencyService],
})
export class TasksModule {}
