import { createServer } from 'node:net';

/**
 * A loopback TCP port that was free a moment ago: for the embedded PostgreSQL, and for servers the
 * tests and the benchmark start (some must restart on the same port).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
