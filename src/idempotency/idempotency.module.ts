import { Module } from '@nestjs/common';
import { IdempotencyKeyPipe } from './idempotency-key.pipe.js';
import { IdempotencyRepository } from './idempotency.repository.js';
import { IdempotencyService } from './idempotency.service.js';

/** Idempotency-Key for any resource's creating route: the header's pipe, and keys kept per user and scope. */
@Module({
  providers: [IdempotencyService, IdempotencyRepository, IdempotencyKeyPipe],
  exports: [IdempotencyService, IdempotencyKeyPipe],
})
export class IdempotencyModule {}
