import { Transform } from 'class-transformer';
import { IsString, Length, Matches } from 'class-validator';
import { IsOptionalNotNull, Trim } from '../../common/transforms.js';

export class CreateCategoryDto {
  /**
   * 1 to 100 characters after trimming; stored trimmed. Unique among your categories whatever the
   * case (409 on a clash).
   * @example "Groceries"
   */
  @Trim()
  @IsString()
  @Length(1, 100)
  name: string;

  /**
   * `#RRGGBB`, stored lower-case; defaults to `#3b82f6`.
   * @example "#22c55e"
   */
  @IsOptionalNotNull()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.toLowerCase() : value))
  @IsString()
  @Matches(/^#[0-9a-f]{6}$/, { message: 'color must be a colour written #RRGGBB, like #3b82f6' })
  color?: string;
}
