import { applyDecorators, type Type } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiProperty,
  ApiPropertyOptional,
  getSchemaPath,
  type ReferenceObject,
  type SchemaObject,
} from '@nestjs/swagger';
import { Type as TransformType } from 'class-transformer';
import {
  IsArray,
  IsInt,
  IsObject,
  IsString,
  IsUUID,
  Length,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { CreateCategoryDto } from '../../categories/dto/create-category.dto.js';
import { UpdateCategoryDto } from '../../categories/dto/update-category.dto.js';
import type { Problem } from '../../common/problem.js';
import { IsOptionalNotNull } from '../../common/transforms.js';
import { CreateListDto } from '../../lists/dto/create-list.dto.js';
import { UpdateListDto } from '../../lists/dto/update-list.dto.js';
import { CreateTaskDto } from '../../tasks/dto/create-task.dto.js';
import { MoveTaskDto } from '../../tasks/dto/move-task.dto.js';
import { CompleteTaskDto, UpdateTaskDto } from '../../tasks/dto/update-task.dto.js';

/** The largest id a PostgreSQL `integer` holds. */
const MAX_ID = 2_147_483_647;

/** The most mutations one push carries (more: 413). */
export const MAX_MUTATIONS_PER_PUSH = 100;

/** The most a mutation counter goes to: a JSON number a JavaScript client counts exactly. */
const MAX_MUTATION_ID = Number.MAX_SAFE_INTEGER;

/** What names an object an earlier create of the same client made, where its id goes. */
export const TEMP_PREFIX = 'temp:';

export const TEMP_REF_SCHEMA = {
  type: 'string',
  pattern: '^temp:.{1,100}$',
  description: 'The object an earlier `*.create` of this client named with this `temp_id`',
  example: 'temp:7d1c',
} as const;

const ID_OR_TEMP = (nullable = false) => ({
  oneOf: [{ type: 'integer', minimum: 1, maximum: MAX_ID, ...(nullable ? { nullable: true } : {}) }, TEMP_REF_SCHEMA],
});

/**
 * Documents an id field of a mutation's arguments as an id or a `temp:` reference. Validation sees
 * the resolved id (push.service.ts resolves references first), so the inherited rules stand.
 */
function idOrTemp(target: Type<unknown>, field: string, options: { nullable?: boolean; array?: boolean } = {}): void {
  const schema = options.array
    ? { type: 'array', items: ID_OR_TEMP() }
    : { type: undefined, ...ID_OR_TEMP(options.nullable) };
  ApiPropertyOptional(schema as never)(target.prototype as object, field);
}

/** The object a mutation acts on: its id, or `temp:<temp_id>` of an earlier create. */
const TargetId = () =>
  applyDecorators(
    ApiProperty({ ...ID_OR_TEMP(), description: 'The object: its id, or `temp:<temp_id>` of an earlier create' }),
    IsInt(),
    Min(1),
    Max(MAX_ID),
  );

const TempId = () =>
  applyDecorators(
    ApiPropertyOptional({
      type: 'string',
      minLength: 1,
      maxLength: 100,
      description:
        'Names the new object for later mutations of this client (`"temp:<temp_id>"`) and in the response\'s `id_map`; unique per client',
      example: '7d1c',
    }),
    IsOptionalNotNull(),
    IsString(),
    Length(1, 100),
  );

const IfMatchValue = () =>
  applyDecorators(
    ApiPropertyOptional({
      type: 'string',
      description: 'Apply only if the object is still at this version: an `ETag` value exactly as the header gives it',
      example: '"12-3"',
    }),
    IsOptionalNotNull(),
    IsString(),
    MaxLength(1000),
  );

/** `task.create`: a task, as POST /api/tasks takes it. */
export class TaskCreateArgs extends CreateTaskDto {
  @TempId() temp_id?: string;
}
/** `task.update`: the fields to change, as PATCH /api/tasks/{id} takes them. */
export class TaskUpdateArgs extends UpdateTaskDto {
  @TargetId() id: number;
  @IfMatchValue() if_match?: string;
}
/** `task.complete`: as PATCH /api/tasks/{id}/complete; without `completed`, a toggle. */
export class TaskCompleteArgs extends CompleteTaskDto {
  @TargetId() id: number;
  @IfMatchValue() if_match?: string;
}
/** `task.move`: as POST /api/tasks/{id}/move. */
export class TaskMoveArgs extends MoveTaskDto {
  @TargetId() id: number;
  @IfMatchValue() if_match?: string;
}
/** `task.delete`: as DELETE /api/tasks/{id}. */
export class TaskDeleteArgs {
  @TargetId() id: number;
  @IfMatchValue() if_match?: string;
}
/** `category.create`: as POST /api/categories. */
export class CategoryCreateArgs extends CreateCategoryDto {
  @TempId() temp_id?: string;
}
/** `category.update`: as PATCH /api/categories/{id}. */
export class CategoryUpdateArgs extends UpdateCategoryDto {
  @TargetId() id: number;
  @IfMatchValue() if_match?: string;
}
/** `category.delete`: as DELETE /api/categories/{id}. */
export class CategoryDeleteArgs {
  @TargetId() id: number;
  @IfMatchValue() if_match?: string;
}
/** `list.create`: as POST /api/lists. */
export class ListCreateArgs extends CreateListDto {
  @TempId() temp_id?: string;
}
/** `list.update`: as PATCH /api/lists/{id}. */
export class ListUpdateArgs extends UpdateListDto {
  @TargetId() id: number;
  @IfMatchValue() if_match?: string;
}

for (const args of [TaskCreateArgs, TaskUpdateArgs]) {
  idOrTemp(args, 'list_id');
  idOrTemp(args, 'parent_id', { nullable: true });
  idOrTemp(args, 'category_ids', { array: true });
}
idOrTemp(TaskMoveArgs, 'after_id', { nullable: true });
idOrTemp(TaskMoveArgs, 'before_id');

/** Each mutation name, its arguments, and the kind of object its `temp:` references name per field. */
export const MUTATION_ARGS = {
  'task.create': TaskCreateArgs,
  'task.update': TaskUpdateArgs,
  'task.complete': TaskCompleteArgs,
  'task.move': TaskMoveArgs,
  'task.delete': TaskDeleteArgs,
  'category.create': CategoryCreateArgs,
  'category.update': CategoryUpdateArgs,
  'category.delete': CategoryDeleteArgs,
  'list.create': ListCreateArgs,
  'list.update': ListUpdateArgs,
} as const;

export type MutationName = keyof typeof MUTATION_ARGS;

/**
 * The id fields of the arguments' schemas, fitted after the document is built: the inherited
 * integer's keywords (`nullable`, and the `minimum`/`maximum` read from the validation rules) sit
 * beside the `oneOf` that replaced its type, where they belong to no type (`nullable` without a
 * type is invalid OpenAPI 3.0); the integer branch carries them.
 */
export function fitTemporaryIds(schemas: Record<string, SchemaObject | ReferenceObject>): void {
  for (const args of Object.values(MUTATION_ARGS)) {
    const schema = schemas[args.name] as SchemaObject | undefined;
    for (const property of Object.values(schema?.properties ?? {}) as SchemaObject[]) {
      if (property.oneOf || property.items) {
        delete property.nullable;
        delete property.minimum;
        delete property.maximum;
      }
    }
  }
}

/** The document's name for a mutation's schema: `task.create` is `TaskCreateMutation`. */
const schemaName = (name: string) =>
  `${name.replace(/(^|\.)(\w)/g, (_, _dot: string, letter: string) => letter.toUpperCase())}Mutation`;

/**
 * One schema per mutation name, `{ id, name, args }` with that name's arguments, for the document's
 * components (openapi-document.ts): the request's items are one of them, told apart by `name`.
 */
export const MUTATION_SCHEMAS: Record<string, SchemaObject> = Object.fromEntries(
  Object.entries(MUTATION_ARGS).map(([name, args]) => [
    schemaName(name),
    {
      type: 'object',
      description: `\`${name}\`: ${args.name.replace(/Args$/, '')} arguments`,
      required: ['id', 'name', 'args'],
      properties: {
        id: { type: 'integer', minimum: 1, maximum: MAX_MUTATION_ID, description: "The client's mutation counter" },
        name: { type: 'string', enum: [name] },
        args: { $ref: getSchemaPath(args) },
      },
    },
  ]),
);

/** One queued change, as the request carries it; its `args` are validated by name (push.service.ts). */
export class MutationDto {
  @IsInt()
  @Min(1)
  @Max(MAX_MUTATION_ID)
  id: number;

  @IsString()
  name: string;

  @IsObject()
  args: Record<string, unknown>;
}

@ApiExtraModels(...Object.values(MUTATION_ARGS))
export class PushRequestDto {
  /**
   * One installation of the app (a browser profile, a phone), made once with `crypto.randomUUID()` and
   * kept; it belongs to the user who first pushes with it.
   * @example "0b6f8c9e-2d1a-4c3b-9f7e-5a4d3c2b1a09"
   */
  @IsUUID()
  client_id: string;

  /**
   * At most 100, with consecutive `id`s from `last_mutation_id + 1` (or earlier, already processed ones, reported as
   * `duplicate`), applied in order.
   */
  @ApiProperty({
    type: 'array',
    maxItems: MAX_MUTATIONS_PER_PUSH,
    items: {
      oneOf: Object.keys(MUTATION_ARGS).map((name) => ({ $ref: `#/components/schemas/${schemaName(name)}` })),
      discriminator: {
        propertyName: 'name',
        mapping: Object.fromEntries(
          Object.keys(MUTATION_ARGS).map((name) => [name, `#/components/schemas/${schemaName(name)}`]),
        ),
      },
    },
  } as never)
  @IsArray()
  @ValidateNested({ each: true })
  @TransformType(() => MutationDto)
  mutations: MutationDto[];
}

export const PUSH_STATUSES = ['applied', 'duplicate', 'rejected'] as const;
export type PushStatus = (typeof PUSH_STATUSES)[number];

export class PushResultDto {
  /** The mutation's `id`. */
  @ApiProperty({ type: 'integer', minimum: 1 })
  id: number;

  /**
   * `applied` now; `duplicate`: processed by an earlier push (its effect, or its rejection, stands); `rejected`:
   * refused by the rules of its REST route, see `error`. Each advances `last_mutation_id`.
   */
  @ApiProperty({ enum: PUSH_STATUSES })
  status: PushStatus;

  /** Why it was rejected: the problem document its REST route would have answered. */
  @ApiPropertyOptional({ allOf: [{ $ref: '#/components/schemas/Problem' }] })
  error?: Problem;
}

export class PushResponseDto {
  /** One per mutation sent, in order. */
  results: PushResultDto[];

  /** The last of this client's mutations processed: drop every pending mutation up to it. */
  @ApiProperty({ type: 'integer', minimum: 0 })
  last_mutation_id: number;

  /**
   * The id each create of this request got, by its `temp_id` (duplicates included, so a retry after a lost
   * response learns them too).
   * @example { "7d1c": 42 }
   */
  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' } })
  id_map: Record<string, number>;

  /**
   * A GET /api/sync cursor at or after every applied mutation.
   * @example "v1.57"
   */
  cursor: string;
}
