import { createLocalJWKSet, errors, type JWTVerifyGetKey } from 'jose';

export interface JwksCacheOptions {
  /** Least time between two fetches, whatever triggers them (unknown `kid`, staleness, failure). */
  cooldownMs: number;
  /** Age after which the key set is refetched on its next use. */
  maxAgeMs: number;
  timeoutMs: number;
  /** Told why a fetch failed, so the log says what is wrong with Better Auth. */
  onFetchError(reason: string): void;
}

/** No key set has ever been fetched, so no token can be checked; `reason` says why. */
export class JwksUnavailableError extends Error {
  constructor(readonly reason: string) {
    super(`The JSON Web Key Set could not be fetched: ${reason}`);
    this.name = 'JwksUnavailableError';
  }
}

/**
 * A remote JSON Web Key Set for `jwtVerify`. Unlike jose's createRemoteJWKSet it never fetches per
 * request, even while the issuer is down (every fetch, failed or not, starts a cooldown), and it
 * keeps verifying with the keys it has when a refresh fails, so a blip at the issuer costs nothing.
 */
export class JwksCache {
  private keys?: ReturnType<typeof createLocalJWKSet>;
  private fetchedAt = 0;
  private attemptedAt = -Infinity;
  private lastFailure = 'no fetch has been attempted yet';
  private pending?: Promise<boolean>;

  constructor(
    private readonly url: URL,
    private readonly options: JwksCacheOptions,
  ) {}

  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    if (!this.keys || Date.now() - this.fetchedAt >= this.options.maxAgeMs) await this.refresh();
    if (!this.keys) throw new JwksUnavailableError(this.lastFailure);
    try {
      return await this.keys(header, token);
    } catch (error) {
      // A kid we do not know may be a key the issuer added since our last fetch.
      if (error instanceof errors.JWKSNoMatchingKey && (await this.refresh())) return this.keys(header, token);
      throw error;
    }
  };

  /** Fetches the key set unless a fetch started within the cooldown; true when new keys arrived. */
  private refresh(): Promise<boolean> {
    if (this.pending) return this.pending;
    if (Date.now() - this.attemptedAt < this.options.cooldownMs) return Promise.resolve(false);
    this.attemptedAt = Date.now();
    this.pending = this.fetchKeys()
      .then(
        (keys) => {
          this.keys = keys;
          this.fetchedAt = Date.now();
          return true;
        },
        (error: unknown) => {
          this.lastFailure = describeFailure(error);
          this.options.onFetchError(this.lastFailure);
          return false;
        },
      )
      .finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async fetchKeys(): Promise<ReturnType<typeof createLocalJWKSet>> {
    const response = await fetch(this.url, {
      headers: { accept: 'application/json' },
      redirect: 'error',
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
    if (response.status !== 200) throw new Error(`it answered HTTP ${response.status}`);
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      throw new Error('its answer is not JSON');
    }
    return createLocalJWKSet(body as Parameters<typeof createLocalJWKSet>[0]);
  }
}

function describeFailure(error: unknown): string {
  if (error instanceof errors.JWKSInvalid) return 'its answer is not a JSON Web Key Set';
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
    return 'the request timed out';
  const cause = (error as { cause?: { code?: string } }).cause;
  if (cause?.code === 'ECONNREFUSED') return 'the connection was refused; is Better Auth running?';
  if (cause?.code === 'ENOTFOUND' || cause?.code === 'EAI_AGAIN') return 'its host name does not resolve';
  if (cause?.code) return `the connection failed (${cause.code})`;
  return error instanceof Error ? error.message : String(error);
}
