import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, Length, MaxLength } from 'class-validator';
import { IsOptionalNotNull, Trim } from '../../common/transforms.js';
import { IsTimestamp } from '../is-timestamp.decorator.js';
import { PRIORITIES, type Priority } from '../task.entity.js';

export class CreateTaskDto {
  /**
   * 1 to 255 characters after trimming, not all spaces; stored trimmed.
   * @example "Buy milk"
   */
  @ApiProperty({ pattern: '\\S' })
  @Trim()
  @IsString()
  @Length(1, 255)
  title: string;

  /** @example "Two litres, semi-skimmed" */
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string | null;

  /** Defaults to `medium`. */
  @IsOptionalNotNull()
  @IsIn(PRIORITIES)
  priority?: Priority;

  /**
   * ISO 8601 with a time zone (`2026-12-01T17:00:00.000Z`), a plain date (midnight UTC), or null.
   * @example "2026-12-01T17:00:00.000Z"
   */
  @ApiPropertyOptional({ format: 'date-time', nullable: true })
  @IsOptional()
  @IsTimestamp()
  due_date?: string | null;

  /** Defaults to false. */
  @IsOptionalNotNull()
  @IsBoolean()
  completed?: boolean;
}
