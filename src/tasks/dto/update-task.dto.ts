import { PartialType } from '@nestjs/swagger';
import { IsBoolean } from 'class-validator';
import { IsOptionalNotNull } from '../../common/transforms.js';
import { CreateTaskDto } from './create-task.dto.js';

/**
 * Any subset of a task's fields; both PUT and PATCH merge. `skipNullProperties: false` keeps
 * `"title": null` an error instead of a write to a NOT NULL column.
 */
export class UpdateTaskDto extends PartialType(CreateTaskDto, { skipNullProperties: false }) {}

export class CompleteTaskDto {
  /** Sets the state; leave the body out to toggle it instead. */
  @IsOptionalNotNull()
  @IsBoolean()
  completed?: boolean;
}
