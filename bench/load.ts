import autocannon from 'autocannon';

export interface Request {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  token: string;
  /** The JSON body; a function makes a new one for every request sent (a push's fresh client id). */
  body?: unknown;
}

export interface LoadResult {
  requests: number;
  seconds: number;
  /** Requests per second (all responses). */
  rps: number;
  /** Latency of 2xx responses, in milliseconds. */
  p50: number;
  p99: number;
  /** Connection errors, timeouts and non-2xx responses. */
  failures: number;
}

/** A request's headers: its token, and the content type when it has a body. */
export const headersOf = (r: Request): Record<string, string> => ({
  authorization: `Bearer ${r.token}`,
  ...(r.body === undefined ? {} : { 'content-type': 'application/json' }),
});

/** A request's body as sent: made anew on each call when the request's body is a function. */
export const bodyOf = (r: Request): string | undefined =>
  r.body === undefined
    ? undefined
    : JSON.stringify(typeof r.body === 'function' ? (r.body as () => unknown)() : r.body);

/**
 * Drives `url` with autocannon for `seconds` (or `amount` requests), cycling through `requests` so
 * each connection spreads over several users and tasks. Latencies are recorded per response with
 * sub-millisecond resolution (autocannon's own histogram rounds to whole milliseconds).
 */
export async function load(
  url: string,
  requests: Request[],
  options: { connections: number; seconds?: number; amount?: number },
): Promise<LoadResult> {
  const prepared = requests.map((r) => {
    const fresh = typeof r.body === 'function';
    return { method: r.method, path: r.path, headers: headersOf(r), body: fresh ? undefined : bodyOf(r), fresh };
  });
  let next = 0;
  const latencies: number[] = [];
  const started = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections: options.connections,
        ...(options.amount ? { amount: options.amount } : { duration: options.seconds }),
        requests: [
          {
            setupRequest: (request) => {
              const r = requests[next % requests.length];
              const { fresh, ...fixed } = prepared[next++ % prepared.length];
              return Object.assign(request, fixed, fresh ? { body: bodyOf(r) } : {});
            },
          },
        ],
      },
      (error: Error | null, result) => (error ? reject(error) : resolve(result)),
    );
    instance.on('response', (_client, status, _bytes, ms) => {
      if (status >= 200 && status < 300) latencies.push(ms);
      else if (process.env.BENCH_DEBUG) console.error(`status ${status}`);
    });
  });
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const total = result.requests.total;
  return {
    requests: total,
    seconds,
    rps: total / seconds,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    failures: result.errors + result.timeouts + result.non2xx,
  };
}

function percentile(sorted: number[], q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] : NaN;
}
