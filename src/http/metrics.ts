import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AppContext } from '../context.js';
import { UnauthorizedError } from '../errors.js';

/**
 * Prometheus metrics at `/metrics`, aggregates only: requests by method, route pattern (never the path a client
 * sent, which can hold handles, ids and search words) and status; latency by route; each cell's jobs by state; the
 * process's own figures. A registry per server, not prom-client's global one, so that several servers in one
 * process (tests, embedded tools) each count their own requests.
 *
 * `REELM_METRICS_TOKEN`, when set, must come as `Authorization: Bearer <token>`; unset, the figures are open,
 * like `/health` (nothing in them names a person).
 */
/** The states both queue engines report (jobs table and BullMQ), each given even when it is 0. */
const JOB_STATES = ['queued', 'running', 'done', 'failed'] as const;

export function installMetrics(app: FastifyInstance, ctx: AppContext): void {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'reelm_' });
  const requests = new Counter({
    name: 'reelm_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'reelm_http_request_duration_seconds',
    help: 'Time from receiving a request to finishing its answer, by method and route pattern.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });
  new Gauge({
    name: 'reelm_jobs',
    help: "Jobs in each region's queue, by state.",
    labelNames: ['region', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const region of ctx.cells.regions()) {
        const queue = ctx.queues.get(region);
        if (!queue) continue;
        // A queue that cannot answer leaves its region out of this scrape rather than failing all of it.
        const counts = await queue.counts().catch(() => undefined);
        if (counts) for (const state of JOB_STATES) this.set({ region, state }, counts[state] ?? 0);
      }
    },
  });

  app.addHook('onResponse', (request, reply, done) => {
    // Unmatched requests share one label: their paths are whatever a client typed.
    const route = request.routeOptions.url ?? 'unmatched';
    const method = request.method;
    requests.inc({ method, route, status: String(reply.statusCode) });
    duration.observe({ method, route }, reply.elapsedTime / 1000);
    done();
  });

  const token = ctx.config.metricsToken;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (token !== undefined) {
      const given = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '';
      if (!timingSafeEqual(digest(given), digest(token)))
        throw new UnauthorizedError('metrics.token_required', 'The metrics need the token this deployment set.');
    }
    return reply.type(registry.contentType).send(await registry.metrics());
  });
}
