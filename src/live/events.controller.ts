import { Controller, Get, Res } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { type AuthUser, CurrentUser } from '../auth/current-user.decorator.js';
import { ApiProblem } from '../openapi/api-problems.decorator.js';
import { ApiAuthenticated } from '../openapi/api-route.decorator.js';
import { RequestHeader } from '../common/request-header.decorator.js';
import { EventStreamsService } from './event-streams.service.js';

@ApiTags('sync')
@ApiAuthenticated()
@Controller('api/events')
export class EventsController {
  constructor(private readonly streams: EventStreamsService) {}

  /** Live events for the token's user (Server-Sent Events) */
  @Get()
  @ApiOperation({
    operationId: 'streamEvents',
    description:
      '`event: change` with `id: <cursor>` and `data: {"cursor": "<cursor>"}` after each committed change to your ' +
      'tasks or categories, from any device or instance: then call GET /api/sync. A comment line at least every 15 s. ' +
      'The stream ends when the token expires or its session signs out: reconnect with a fresh token and ' +
      '`Last-Event-ID`. The token goes in `Authorization` (EventSource cannot send it: use a fetch-based client, ' +
      'see docs/live-updates.md), never in the query string.',
  })
  @ApiHeader({
    name: 'Last-Event-ID',
    required: false,
    description: 'The last `id` received: a `change` is sent at once when anything changed since',
  })
  @ApiOkResponse({
    description: 'An endless `text/event-stream`',
    content: { 'text/event-stream': { schema: { type: 'string' } } },
  })
  @ApiProblem(429, 'EVENT_STREAMS_PER_USER streams of yours are open on this instance')
  open(
    @CurrentUser() user: AuthUser,
    @Res() reply: FastifyReply,
    @RequestHeader('last-event-id') lastEventId?: string,
  ): Promise<void> {
    return this.streams.open(user, reply, lastEventId);
  }
}
