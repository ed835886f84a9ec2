import { Controller, Get, HttpStatus, Res, ServiceUnavailableException } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  type SchemaObject,
} from '@nestjs/swagger';
import { HealthCheck, type HealthCheckResult, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/public.decorator.js';

/** One check result in the health body, e.g. `database: { status: "up", responseTime: 3 }`. */
const INDICATOR_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['status'],
  properties: {
    status: { type: 'string', enum: ['up', 'down'] },
    responseTime: { type: 'number', description: 'How long the check took, in ms' },
    message: { type: 'string', description: 'Why the check failed' },
  },
  additionalProperties: true,
};

/** Terminus' body with the one check this service runs (`database`), for 200 and 503. */
function healthSchema(status: 'ok' | 'error', database: object): SchemaObject {
  const checks: SchemaObject = { type: 'object', additionalProperties: INDICATOR_SCHEMA, nullable: true };
  return {
    type: 'object',
    required: ['status', 'details'],
    properties: {
      status: { type: 'string', enum: [status], example: status },
      info: { ...checks, example: status === 'ok' ? { database } : {} },
      error: { ...checks, example: status === 'error' ? { database } : {} },
      details: { ...checks, example: { database } },
    },
  };
}

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
  ) {}

  /**
   * Readiness: 200 `{ status: "ok" }` when the database answers, 503 `{ status: "error" }` when not
   *
   * Deliberately not problem+json: load balancers and uptime checks read `status`.
   */
  @Get()
  @ApiOperation({ operationId: 'checkReadiness' })
  // Documented here rather than by Terminus, whose generic schema lists checks this service does not run.
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOkResponse({ description: 'The database answers', schema: healthSchema('ok', { status: 'up', responseTime: 3 }) })
  @ApiServiceUnavailableResponse({
    description: 'The database does not answer',
    schema: healthSchema('error', { status: 'down', message: 'timeout of 2000ms exceeded' }),
  })
  async check(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult> {
    try {
      return await this.health.check([() => this.db.pingCheck('database', { timeout: 2_000 })]);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      reply.status(HttpStatus.SERVICE_UNAVAILABLE);
      return error.getResponse() as HealthCheckResult;
    }
  }

  /** Liveness: 200 while the process serves requests; never touches the database */
  @Get('live')
  @ApiOperation({ operationId: 'checkLiveness' })
  @ApiOkResponse({
    description: 'The process serves requests',
    schema: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ok'] } } },
  })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }
}
