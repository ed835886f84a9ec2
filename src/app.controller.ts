import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Public } from './auth/public.decorator.js';
import { SERVICE_NAME, SERVICE_VERSION } from './service-info.js';

@ApiTags('service')
@Public()
@Controller()
export class AppController {
  /** Where to go next: the docs and the health check */
  @Get()
  index(): { name: string; version: string; docs: string; health: string } {
    return { name: SERVICE_NAME, version: SERVICE_VERSION, docs: '/docs', health: '/health' };
  }
}
