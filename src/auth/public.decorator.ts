import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'auth:isPublic';

/** Opts a route out of the global JwtAuthGuard. Everything else needs a bearer token. */
export const Public = () => SetMetadata(IS_PUBLIC, true);
