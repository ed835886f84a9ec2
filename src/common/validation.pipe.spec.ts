import { jest } from '@jest/globals';
import { ValidationPipe } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsInt, IsOptional, Max, Min } from 'class-validator';
import { ValidationFailedException } from './problem.js';
import { StrictValidationPipe } from './validation.pipe.js';

class PageQuery {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @IsOptional()
  @IsArray()
  tags?: string[];
}

class FlagBody {
  @IsOptional()
  @IsBoolean()
  flag?: boolean;
}

describe('StrictValidationPipe', () => {
  const validations = jest.spyOn(ValidationPipe.prototype, 'transform');
  beforeEach(() => validations.mockClear());

  it('validates a query once and answers it again from memory, as a fresh copy', async () => {
    const pipe = new StrictValidationPipe();
    const metadata = { type: 'query', metatype: PageQuery } as const;
    const first = (await pipe.transform({ limit: '50', tags: ['a'] }, metadata)) as PageQuery;
    const second = (await pipe.transform({ limit: '50', tags: ['a'] }, metadata)) as PageQuery;

    expect(validations).toHaveBeenCalledTimes(1);
    expect(second).toBeInstanceOf(PageQuery);
    expect(second).toEqual(first);
    expect(second.limit).toBe(50);
    // A handler that changes its DTO changes nothing remembered.
    first.tags!.push('b');
    second.limit = 7;
    expect(await pipe.transform({ limit: '50', tags: ['a'] }, metadata)).toEqual({ limit: 50, tags: ['a'] });
  });

  it('validates another query, and a rejected one every time', async () => {
    const pipe = new StrictValidationPipe();
    const metadata = { type: 'query', metatype: PageQuery } as const;
    await pipe.transform({ limit: '50' }, metadata);
    await pipe.transform({ limit: '20' }, metadata);
    await expect(pipe.transform({ limit: '500' }, metadata)).rejects.toBeInstanceOf(ValidationFailedException);
    await expect(pipe.transform({ limit: '500' }, metadata)).rejects.toBeInstanceOf(ValidationFailedException);
    expect(validations).toHaveBeenCalledTimes(4);
  });

  it('remembers an empty body (none sent, or {}), but validates every body with fields', async () => {
    const pipe = new StrictValidationPipe();
    const metadata = { type: 'body', metatype: FlagBody } as const;
    expect(await pipe.transform(undefined, metadata)).toBeInstanceOf(FlagBody);
    expect(await pipe.transform({}, metadata)).toBeInstanceOf(FlagBody);
    expect(validations).toHaveBeenCalledTimes(1);

    await pipe.transform({ flag: true }, metadata);
    await pipe.transform({ flag: true }, metadata);
    await expect(pipe.transform({ flag: 'yes' }, metadata)).rejects.toBeInstanceOf(ValidationFailedException);
    expect(validations).toHaveBeenCalledTimes(4);
  });
});
