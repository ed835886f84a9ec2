import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CategoriesController } from './categories.controller.js';
import { CategoriesRepository } from './categories.repository.js';
import { CategoriesService } from './categories.service.js';
import { Category } from './category.entity.js';
import { TaskCategory } from './task-category.entity.js';

@Module({
  imports: [TypeOrmModule.forFeature([Category, TaskCategory])],
  controllers: [CategoriesController],
  providers: [CategoriesService, CategoriesRepository],
  // GET /api/sync reads changed categories in its own snapshot.
  exports: [CategoriesRepository, CategoriesService],
})
export class CategoriesModule {}
