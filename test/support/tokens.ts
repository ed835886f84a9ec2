import { createHmac, KeyObject, sign } from 'node:crypto';
import { TEST_SECRET } from './test-app.js';

const b64 = (value: object | Buffer) =>
  (Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value))).toString('base64url');

/**
 * Builds a JWT by hand, byte by byte, so tests can forge what no well-behaved library would sign:
 * any header, any payload, any signature.
 */
export function forgeJwt(header: object, payload: object, signer: (input: string) => Buffer): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${b64(signer(input))}`;
}

export const hmac = (algorithm: 'sha256' | 'sha384' | 'sha512', secret: string | Buffer) => (input: string) =>
  createHmac(algorithm, secret).update(input).digest();

/** RS256/PS256-style (sha256) or EdDSA (algorithm null) signatures with a key pair's private key. */
export const signWith =
  (key: KeyObject, algorithm: 'sha256' | null = 'sha256') =>
  (input: string) =>
    sign(algorithm, Buffer.from(input), key);

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** An HS256 token as a trusted backend would mint it: `{ sub, iat, exp }` signed with the shared secret. */
export function mintToken(claims: Record<string, unknown>, secret = TEST_SECRET): string {
  return forgeJwt(
    { alg: 'HS256', typ: 'JWT' },
    { iat: nowSeconds(), exp: nowSeconds() + 600, ...claims },
    hmac('sha256', secret),
  );
}
