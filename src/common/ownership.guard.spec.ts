import { type ExecutionContext, ForbiddenException } from '@nestjs/common';
import { OwnershipGuard } from './ownership.guard.js';

const contextFor = (params: Record<string, string>, userId = 'alice'): ExecutionContext =>
  ({
    switchToHttp: () => ({ getRequest: () => ({ params, user: { id: userId, email: null, issuer: 'service' } }) }),
  }) as unknown as ExecutionContext;

describe('OwnershipGuard', () => {
  const guard = new OwnershipGuard();

  it('lets /api/<resource> routes through: the token user is implied', () => {
    expect(guard.canActivate(contextFor({ id: '1' }))).toBe(true);
  });

  it("lets the token's own user through /api/{userId}/<resource>", () => {
    expect(guard.canActivate(contextFor({ userId: 'alice' }))).toBe(true);
  });

  it('refuses another user in the path with 403', () => {
    expect(() => guard.canActivate(contextFor({ userId: 'bob' }))).toThrow(ForbiddenException);
    expect(() => guard.canActivate(contextFor({ userId: 'Alice' }))).toThrow(ForbiddenException);
  });
});
