import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiPublic } from '../openapi/api-route.decorator.js';

export const IS_PUBLIC = 'auth:isPublic';

/**
 * Opts a route out of the global JwtAuthGuard. Everything else needs a bearer token. The OpenAPI
 * document says the same (`security: []`), from this one decorator.
 */
export const Public = () => applyDecorators(SetMetadata(IS_PUBLIC, true), ApiPublic());
