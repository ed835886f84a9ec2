import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { type AuthUser, CurrentUser } from '../auth/current-user.decorator.js';
import { ApiProblem, ApiProblems } from '../openapi/api-problems.decorator.js';
import { ApiAuthenticated } from '../openapi/api-route.decorator.js';
import { SyncPageDto } from './dto/sync-page.dto.js';
import { SyncQueryDto } from './dto/sync-query.dto.js';
import { SyncService } from './sync.service.js';

@ApiTags('sync')
@ApiAuthenticated()
@Controller('api/sync')
export class SyncController {
  constructor(private readonly sync: SyncService) {}

  /** What changed after `cursor` (everything without one), at most 500 rows, oldest change first */
  @Get()
  @ApiOperation({
    operationId: 'syncChanges',
    description:
      'While `has_more` is true, call again with the returned `cursor`. Applying every page in order gives exactly ' +
      "the server's state, also while other devices write. Deleted rows come as ids; keep the last cursor and " +
      'start again without one on 410.',
  })
  @ApiProblem(410, 'The cursor is older than the deletion history kept: sync again without one')
  @ApiProblems(422)
  changes(@CurrentUser() user: AuthUser, @Query() query: SyncQueryDto): Promise<SyncPageDto> {
    return this.sync.page(user.id, query.cursor);
  }
}
