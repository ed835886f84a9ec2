import { exportJWK, generateKeyPair, type KeyLike, SignJWT } from 'jose';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Stands in for Better Auth's jwt plugin: an Ed25519 key, its JWKS served on a loopback port at
 * the plugin's path, and tokens shaped like the plugin's (sub plus user fields, iss = aud = origin).
 */
export class BetterAuthIssuer {
  private constructor(
    private readonly server: Server,
    private readonly privateKey: KeyLike,
    private readonly kid: string,
    readonly origin: string,
  ) {}

  static async start(): Promise<BetterAuthIssuer> {
    const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const kid = 'bench-key-1';
    const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' }] });
    const server = createServer((request, response) => {
      if (request.url !== '/api/auth/jwks') return void response.writeHead(404).end();
      response.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new BetterAuthIssuer(server, privateKey, kid, `http://127.0.0.1:${port}`);
  }

  /** The variables that point the service (and the raw server) at this issuer. */
  get env(): Record<string, string> {
    return {
      BETTER_AUTH_JWKS_URL: `${this.origin}/api/auth/jwks`,
      BETTER_AUTH_ISSUER: this.origin,
      BETTER_AUTH_AUDIENCE: this.origin,
    };
  }

  sign(user: { id: string; email: string; name: string }): Promise<string> {
    return new SignJWT({ email: user.email, name: user.name, emailVerified: true })
      .setProtectedHeader({ alg: 'EdDSA', kid: this.kid })
      .setSubject(user.id)
      .setIssuer(this.origin)
      .setAudience(this.origin)
      .setIssuedAt()
      .setExpirationTime('2h')
      .sign(this.privateKey);
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
