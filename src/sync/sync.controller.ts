import { Body, Controller, Get, HttpCode, HttpStatus, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { type AuthUser, CurrentUser } from '../auth/current-user.decorator.js';
import { ApiProblem, ApiProblems } from '../openapi/api-problems.decorator.js';
import { ApiAuthenticated } from '../openapi/api-route.decorator.js';
import { PROBLEM_CONTENT_TYPE } from '../common/problem.js';
import { PushRequestDto, PushResponseDto } from './dto/push.dto.js';
import { SyncPageDto } from './dto/sync-page.dto.js';
import { SyncQueryDto } from './dto/sync-query.dto.js';
import { PushService } from './push.service.js';
import { SyncService } from './sync.service.js';

const OTHER_USERS_CLIENT = 'The `client_id` belongs to another user (the one who first pushed with it)';

@ApiTags('sync')
@ApiAuthenticated()
@Controller('api/sync')
export class SyncController {
  constructor(
    private readonly sync: SyncService,
    private readonly pushes: PushService,
  ) {}

  /** What changed after `cursor` (everything without one), at most 500 rows, oldest change first */
  @Get()
  @ApiOperation({
    operationId: 'syncChanges',
    description:
      'While `has_more` is true, call again with the returned `cursor`. Applying every page in order gives exactly ' +
      "the server's state, also while other devices write. Deleted rows come as ids; keep the last cursor and " +
      "start again without one on 410. With `client_id`, the page also gives that push client's `last_mutation_id`.",
  })
  @ApiProblem(403, OTHER_USERS_CLIENT)
  @ApiProblem(410, 'The cursor is older than the deletion history kept: sync again without one')
  @ApiProblems(422)
  changes(@CurrentUser() user: AuthUser, @Query() query: SyncQueryDto): Promise<SyncPageDto> {
    return this.sync.page(user.id, query.cursor, query.client_id);
  }

  /** Apply a client's queued changes, each exactly once, in order */
  @Post('push')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'pushChanges',
    description:
      'For clients that work offline or apply changes optimistically. Each mutation runs in its own transaction with ' +
      'the rules and roles of its REST route; one the rules refuse is `rejected` with the problem that route would ' +
      'answer, and still counted, so one bad change never blocks the queue. Mutations already processed are ' +
      '`duplicate`: resending a push whose response was lost is safe. At most 100 mutations and 1 MiB.',
  })
  // Not ApiJsonBody: its 413 speaks of the 64 KiB that every other route has.
  @ApiBody({ type: PushRequestDto })
  @ApiProblems(400, 415, 422)
  @ApiProblem(413, 'More than 100 mutations, or a body over 1 MiB')
  @ApiOkResponse({ type: PushResponseDto })
  @ApiProblem(403, OTHER_USERS_CLIENT)
  @ApiResponse({
    status: 409,
    description:
      'A gap: the first mutation is past `last_mutation_id + 1`; nothing was applied. Send again from `expected_id` ' +
      '(1: the client is unknown, never seen or forgotten after SYNC_RETENTION_DAYS without a push)',
    content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/PushGapProblem' } } },
  })
  push(@CurrentUser() user: AuthUser, @Body() dto: PushRequestDto): Promise<PushResponseDto> {
    return this.pushes.push(user.id, dto);
  }
}
