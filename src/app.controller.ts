import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from './auth/public.decorator.js';
import { SERVICE_NAME, SERVICE_VERSION } from './service-info.js';

@ApiTags('service')
@Public()
@Controller()
export class AppController {
  /** Where to go next: the docs and the health check */
  @Get()
  @ApiOperation({ operationId: 'getServiceInfo' })
  @ApiOkResponse({
    description: 'The service name and version, and where its docs and health check are',
    schema: {
      type: 'object',
      required: ['name', 'version', 'docs', 'health'],
      properties: {
        name: { type: 'string', example: SERVICE_NAME },
        version: { type: 'string', example: SERVICE_VERSION },
        docs: { type: 'string', enum: ['/docs'] },
        health: { type: 'string', enum: ['/health'] },
      },
    },
  })
  index(): { name: string; version: string; docs: string; health: string } {
    return { name: SERVICE_NAME, version: SERVICE_VERSION, docs: '/docs', health: '/health' };
  }
}
