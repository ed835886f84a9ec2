import { generateKeyPairSync, type JsonWebKey, KeyObject } from 'node:crypto';
import { createServer, request as httpRequest, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestApp, TEST_SECRET, type TestApp } from './support/test-app.js';
import { forgeJwt, hmac, mintToken, nowSeconds, signWith } from './support/tokens.js';

/**
 * Forged and malformed bearer tokens against the real app, with Better Auth JWKS verification
 * switched on (a local JWKS server with an RSA and an Ed25519 key). Every attack must be a 401 (or
 * 431 for headers too large), never a 5xx, and must not provision a user.
 */
describe('JWT attack battery (e2e)', () => {
  let t: TestApp;
  let jwks: Server;
  let attacker: Server;
  let attackerHits = 0;
  let origin: string;
  let attackerOrigin: string;
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ed = generateKeyPairSync('ed25519');
  const evil = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = (key: KeyObject, kid: string, alg: string): JsonWebKey => ({
    ...key.export({ format: 'jwk' }),
    kid,
    alg,
    use: 'sig',
  });

  const listen = async (server: Server) => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };

  beforeAll(async () => {
    jwks = createServer((_, res) =>
      res
        .setHeader('content-type', 'application/json')
        .end(JSON.stringify({ keys: [jwk(rsa.publicKey, 'rsa-1', 'RS256'), jwk(ed.publicKey, 'ed-1', 'EdDSA')] })),
    );
    attacker = createServer((_, res) => {
      attackerHits++;
      res
        .setHeader('content-type', 'application/json')
        .end(JSON.stringify({ keys: [jwk(evil.publicKey, 'evil', 'RS256')] }));
    });
    origin = await listen(jwks);
    attackerOrigin = await listen(attacker);
    t = await createTestApp({ BETTER_AUTH_URL: origin });
  });
  afterAll(async () => {
    await t.close();
    jwks.close();
    attacker.close();
  });

  const claims = (extra: Record<string, unknown> = {}) => ({
    sub: 'attacker',
    iss: origin,
    aud: origin,
    iat: nowSeconds(),
    exp: nowSeconds() + 600,
    ...extra,
  });
  const rs256 = (payload: object, header: object = {}, key = rsa.privateKey) =>
    forgeJwt({ alg: 'RS256', kid: 'rsa-1', typ: 'JWT', ...header }, payload, signWith(key));
  const eddsa = (payload: object, header: object = {}) =>
    forgeJwt({ alg: 'EdDSA', kid: 'ed-1', ...header }, payload, signWith(ed.privateKey, null));
  const hs = (payload: object, header: object = {}, secret: string | Buffer = TEST_SECRET) =>
    forgeJwt({ alg: 'HS256', typ: 'JWT', ...header }, payload, hmac('sha256', secret));
  const call = (authorization: string) => t.request({ method: 'GET', url: '/api/tasks', headers: { authorization } });

  describe('controls: well-formed tokens are accepted, so the refusals below mean something', () => {
    it.each([
      ['HS256 minted with the shared secret', () => mintToken({ sub: 'control-hs' })],
      ['RS256 from Better Auth', () => rs256(claims({ sub: 'control-rs' }))],
      ['EdDSA from Better Auth', () => eddsa(claims({ sub: 'control-ed' }))],
    ])('%s -> 200', async (_, token) => {
      expect((await call(`Bearer ${token()}`)).statusCode).toBe(200);
      expect((await call(`bEaReR ${token()}`)).statusCode).toBe(200);
    });
  });

  const good = () => mintToken({ sub: 'attacker' });
  const [goodHeader, goodPayload, goodSignature] = mintToken({ sub: 'attacker' }).split('.');
  const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const rsaPem = rsa.publicKey.export({ format: 'pem', type: 'spki' });

  const attacks: [string, () => string][] = [
    ...['none', 'None', 'NONE', 'nOnE', 'NoNe'].flatMap((alg): [string, () => string][] => [
      [`alg ${alg}, empty signature`, () => `${b64({ alg, typ: 'JWT' })}.${b64(claims())}.`],
      [
        `alg ${alg}, with the HS256 signature of a real token kept`,
        () => `${b64({ alg, typ: 'JWT' })}.${goodPayload}.${goodSignature}`,
      ],
    ]),
    [
      'HS512 with the right secret',
      () => forgeJwt({ alg: 'HS512', typ: 'JWT' }, claims(), hmac('sha512', TEST_SECRET)),
    ],
    [
      'HS384 with the right secret',
      () => forgeJwt({ alg: 'HS384', typ: 'JWT' }, claims(), hmac('sha384', TEST_SECRET)),
    ],
    ['RS/HS confusion: HS256 keyed with the RSA public key (PEM)', () => hs(claims(), { kid: 'rsa-1' }, rsaPem)],
    [
      'RS/HS confusion: HS256 keyed with the RSA public key (JWK)',
      () => hs(claims(), { kid: 'rsa-1' }, JSON.stringify(jwk(rsa.publicKey, 'rsa-1', 'RS256'))),
    ],
    [
      'RS/HS confusion: RS256 header, HMAC signature with the public key',
      () => forgeJwt({ alg: 'RS256', kid: 'rsa-1' }, claims(), hmac('sha256', rsaPem)),
    ],
    [
      'embedded jwk with the attacker key',
      () => rs256(claims(), { kid: undefined, jwk: jwk(evil.publicKey, 'evil', 'RS256') }, evil.privateKey),
    ],
    [
      'embedded jwk and a real kid',
      () => rs256(claims(), { jwk: jwk(evil.publicKey, 'rsa-1', 'RS256') }, evil.privateKey),
    ],
    [
      'jku pointing at the attacker',
      () => rs256(claims(), { kid: 'evil', jku: `${attackerOrigin}/jwks` }, evil.privateKey),
    ],
    [
      'x5u pointing at the attacker',
      () => rs256(claims(), { kid: 'evil', x5u: `${attackerOrigin}/cert.pem` }, evil.privateKey),
    ],
    [
      'kid path traversal, HS256 keyed with an empty file',
      () => hs(claims(), { kid: '../../../../../../dev/null' }, ''),
    ],
    ['kid SQL injection', () => hs(claims(), { kid: "x' UNION SELECT 'secret' --" }, 'secret')],
    ['kid command injection', () => rs256(claims(), { kid: '|/usr/bin/id' }, evil.privateKey)],
    ['a real kid, signed by another key', () => rs256(claims(), {}, evil.privateKey)],
    ['an unknown kid', () => rs256(claims(), { kid: 'rotated-away' }, evil.privateKey)],
    [
      'RS256 header on the Ed25519 key',
      () => forgeJwt({ alg: 'RS256', kid: 'ed-1' }, claims(), signWith(ed.privateKey, null)),
    ],
    ['PS256 with the RS256 key', () => forgeJwt({ alg: 'PS256', kid: 'rsa-1' }, claims(), signWith(rsa.privateKey))],
    ['unknown critical header', () => rs256(claims(), { crit: ['x-evil'], 'x-evil': true })],
    [
      'HS256, payload swapped for another user',
      () => `${goodHeader}.${b64({ sub: 'victim', exp: nowSeconds() + 600 })}.${goodSignature}`,
    ],
    [
      'HS256, signature altered',
      () => `${goodHeader}.${goodPayload}.${goodSignature[0] === 'A' ? 'B' : 'A'}${goodSignature.slice(1)}`,
    ],
    ['HS256, signature removed', () => `${goodHeader}.${goodPayload}.`],
    [
      'RS256, payload swapped',
      () => `${rs256(claims()).split('.')[0]}.${b64(claims({ sub: 'victim' }))}.${rs256(claims()).split('.')[2]}`,
    ],
    ['HS256 without exp', () => hs({ sub: 'attacker', iat: nowSeconds() })],
    ['HS256 without sub', () => hs({ iat: nowSeconds(), exp: nowSeconds() + 600 })],
    ['HS256 with an empty sub', () => hs({ sub: '', exp: nowSeconds() + 600 })],
    ['HS256 with a numeric sub', () => hs({ sub: 42, exp: nowSeconds() + 600 })],
    ['HS256 with a 300-character sub', () => hs({ sub: 'x'.repeat(300), exp: nowSeconds() + 600 })],
    ['HS256 with exp as a string', () => hs({ sub: 'attacker', exp: String(nowSeconds() + 600) })],
    ['HS256 expired', () => hs({ sub: 'attacker', exp: nowSeconds() - 60 })],
    ['HS256 with nbf in the future', () => hs({ sub: 'attacker', exp: nowSeconds() + 600, nbf: nowSeconds() + 300 })],
    ['HS256 refresh-typed token', () => hs({ sub: 'attacker', exp: nowSeconds() + 600, typ: 'refresh' })],
    ['RS256 without exp', () => rs256(claims({ exp: undefined }))],
    ['RS256 without sub', () => rs256(claims({ sub: undefined }))],
    ['RS256 expired', () => rs256(claims({ exp: nowSeconds() - 60 }))],
    ['RS256 with nbf in the future', () => rs256(claims({ nbf: nowSeconds() + 300 }))],
    ['RS256 from another issuer', () => rs256(claims({ iss: attackerOrigin }))],
    ['RS256 for another audience', () => rs256(claims({ aud: attackerOrigin }))],
    ['a token longer than 8 KiB', () => hs(claims({ padding: 'x'.repeat(9_000) }))],
    ['two parts', () => `${goodHeader}.${goodPayload}`],
    ['four parts', () => `${good()}.extra`],
    ['header that is not JSON', () => `${Buffer.from('{alg:').toString('base64url')}.${goodPayload}.${goodSignature}`],
    ['header that is a JSON array', () => `${b64(['HS256'])}.${goodPayload}.${goodSignature}`],
    ['numeric alg', () => `${b64({ alg: 256 })}.${goodPayload}.${goodSignature}`],
    [
      'payload that is not JSON',
      () => forgeJwt({ alg: 'HS256' }, Buffer.from('not json'), hmac('sha256', TEST_SECRET)),
    ],
  ];

  it.each(attacks)('%s -> 401', async (_, token) => {
    const response = await call(`Bearer ${token()}`);
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it.each([
    ['Basic credentials', 'Basic dXNlcjpwYXNz'],
    ['the scheme alone', 'Bearer'],
    ['an empty token', 'Bearer '],
    ['another scheme', 'Token abc'],
    ['two tokens', `Bearer ${good()} ${good()}`],
    ['non-ASCII', 'Bearer \u00e9t\u00e9'],
  ])('Authorization with %s -> 401', async (_, authorization) => {
    expect((await call(authorization)).statusCode).toBe(401);
  });

  it('never fetched the attacker-supplied key URLs and provisioned none of the forged users', async () => {
    expect(attackerHits).toBe(0);
    const { rows } = await t.sql.query(`SELECT id FROM users WHERE id IN ('attacker', 'victim') OR length(id) > 255`);
    expect(rows).toEqual([]);
  });

  it('answers a header section too large for the server with 431 problem+json on a real socket', async () => {
    await t.app.listen(0, '127.0.0.1');
    const { port } = t.app.getHttpServer().address() as AddressInfo;
    const response = await new Promise<{ status: number; type?: string; body: string }>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          path: '/api/tasks',
          agent: false,
          headers: { authorization: `Bearer ${'a'.repeat(20_000)}.b.c` },
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode!, type: res.headers['content-type'], body }));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(response.status).toBe(431);
    expect(response.type).toBe('application/problem+json');
    expect(JSON.parse(response.body)).toMatchObject({ status: 431, title: 'Request Header Fields Too Large' });
  });
});
