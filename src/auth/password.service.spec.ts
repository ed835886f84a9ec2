import { jest } from '@jest/globals';

// The real argon2, observed: the test checks which hash an unknown account is verified against.
// Under native ESM a mock must be registered before the modules that use it are imported.
const actual = await import('@node-rs/argon2');
jest.unstable_mockModule('@node-rs/argon2', () => ({ ...actual, verify: jest.fn(actual.verify) }));
const { verify } = await import('@node-rs/argon2');
const { PasswordService } = await import('./password.service.js');

/** OWASP Password Storage Cheat Sheet: argon2id, any one of these memory (KiB) / passes pairs, 1 lane. */
const OWASP_ARGON2ID = [
  { m: 47_104, t: 1 },
  { m: 19_456, t: 2 },
  { m: 12_288, t: 3 },
  { m: 9_216, t: 4 },
  { m: 7_168, t: 5 },
];

function paramsOf(hash: string) {
  const match = /^\$(argon2\w+)\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(hash);
  if (!match) throw new Error(`not an argon2 hash: ${hash}`);
  return { variant: match[1], m: Number(match[2]), t: Number(match[3]), p: Number(match[4]) };
}

describe('PasswordService', () => {
  let passwords: InstanceType<typeof PasswordService>;

  beforeAll(async () => {
    passwords = new PasswordService();
    await passwords.onModuleInit();
  });
  beforeEach(() => jest.mocked(verify).mockClear());

  it('hashes with argon2id at or above one of OWASP parameter sets', async () => {
    const params = paramsOf(await passwords.hash('correct horse battery'));
    expect(params.variant).toBe('argon2id');
    expect(OWASP_ARGON2ID.some(({ m, t }) => params.m >= m && params.t >= t)).toBe(true);
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const hash = await passwords.hash('correct horse battery');
    await expect(passwords.verify(hash, 'correct horse battery')).resolves.toBe(true);
    await expect(passwords.verify(hash, 'wrong')).resolves.toBe(false);
  });

  it('for an unknown account still pays for one verification with the same parameters, and refuses', async () => {
    await expect(passwords.verify(null, 'correct horse battery')).resolves.toBe(false);
    expect(verify).toHaveBeenCalledTimes(1);
    const dummy = jest.mocked(verify).mock.calls[0][0] as string;
    const { variant, m, t, p } = paramsOf(await passwords.hash('x'));
    expect(paramsOf(dummy)).toEqual({ variant, m, t, p });
  });

  it('refuses rather than throws on a corrupt stored hash', async () => {
    await expect(passwords.verify('not-a-hash', 'whatever')).resolves.toBe(false);
  });
});
