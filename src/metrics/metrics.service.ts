import { Inject, Injectable, NotFoundException, type OnModuleInit } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';
import { appConfig } from '../config/app.config.js';
import { routeTemplate } from '../logging/request-context.js';

const LABELS = ['method', 'route', 'status'] as const;

/**
 * Prometheus metrics: requests and their latency by route template and status, the database pool,
 * and the process. A registry of its own per app, so several apps in one process (tests) never
 * share or double-register series.
 */
@Injectable()
export class MetricsService implements OnModuleInit {
  private readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests served',
    labelNames: LABELS,
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from receiving a request to finishing its response',
    labelNames: LABELS,
    registers: [this.registry],
  });

  constructor(
    @Inject(appConfig.KEY) private readonly config: ConfigType<typeof appConfig>,
    private readonly dataSource: DataSource,
  ) {}

  /** Counts every response; called by createApp(), which adds all of the app's Fastify hooks. */
  registerHooks(fastify: FastifyInstance): void {
    if (!this.config.metricsEnabled) return;
    fastify.addHook('onResponse', (request, reply, done) => {
      const labels = { method: request.method, route: routeTemplate(request), status: String(reply.statusCode) };
      this.requests.inc(labels);
      this.duration.observe(labels, reply.elapsedTime / 1000);
      done();
    });
  }

  onModuleInit(): void {
    if (!this.config.metricsEnabled) return;
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });

    // Read at scrape time from the pg Pool TypeORM drives.
    const pool = () => (this.dataSource.driver as PostgresDriver).master as Pool;
    new Gauge({
      name: 'db_pool_connections',
      help: 'Database connections in the pool, by state (in_use, idle)',
      labelNames: ['state'],
      registers,
      collect() {
        const { totalCount, idleCount } = pool();
        this.set({ state: 'in_use' }, totalCount - idleCount);
        this.set({ state: 'idle' }, idleCount);
      },
    });
    new Gauge({
      name: 'db_pool_waiting_requests',
      help: 'Queries waiting for a free database connection',
      registers,
      collect() {
        this.set(pool().waitingCount);
      },
    });
  }

  /** A counter in this app's registry, for a module to count its own events with. */
  counter(name: string, help: string): Counter {
    return new Counter({ name, help, registers: [this.registry] });
  }

  /** The Prometheus text exposition; 404 like any unknown route when METRICS_ENABLED=false. */
  render(): Promise<string> {
    if (!this.config.metricsEnabled) throw new NotFoundException();
    return this.registry.metrics();
  }
}
