import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsString, Length, Matches } from 'class-validator';
import { IsOptionalNotNull, Trim } from '../../common/transforms.js';

export class CreateListDto {
  /**
   * 1 to 100 characters after trimming; stored trimmed. Names need not be unique.
   * @example "Groceries"
   */
  @ApiProperty({ pattern: '\\S' })
  @Trim()
  @IsString()
  @Length(1, 100)
  name: string;

  /**
   * `#RRGGBB`, stored lower-case; defaults to `#3b82f6`.
   * @example "#22c55e"
   */
  // Any case is accepted (it is lower-cased before the check), so the document's pattern says so.
  @ApiPropertyOptional({ pattern: '^#[0-9a-fA-F]{6}$' })
  @IsOptionalNotNull()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.toLowerCase() : value))
  @IsString()
  @Matches(/^#[0-9a-f]{6}$/, { message: 'color must be a colour written #RRGGBB, like #3b82f6' })
  color?: string;
}
