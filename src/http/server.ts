import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { RateLimitedError } from '../errors.js';
import { accountRoutes } from './accounts.routes.js';
import { accountSecurityRoutes } from './account-security.routes.js';
import { moderationRoutes } from './moderation.routes.js';
import { feedRoutes } from './feeds.routes.js';
import { socialRoutes } from './social.routes.js';
import { Auth } from './auth.js';
import { answerClientError, answerFrameworkError, errorBody, installErrorHandler } from './errors.js';
import { mediaFileRoutes, mediaRoutes } from './media.routes.js';
import { avatarFileRoutes, avatarRoutes } from './avatar.routes.js';
import { operatorRoutes } from './operator.routes.js';
import { sovereigntyRoutes } from './sovereignty.routes.js';
import { installMetrics } from './metrics.js';
import { securityHeaders } from './security-headers.js';
import { clientKey, installRouteLimits } from './rate-limits.js';
import { signInRoutes } from './sign-in.routes.js';
import { validatorCompiler } from './validation.js';

export type App = FastifyInstance;

const WEB_DIST = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../web/dist');
const WEB_DIST_SRC = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../web/dist');

export interface ServerOptions {
  /** Where the built web app is; found next to the package by default. */
  webDist?: string;
}

/** Request ids unique across processes and cheap per request: a random prefix per server, then a counter. */
function requestIds(): () => string {
  const prefix = randomBytes(5).toString('hex');
  let next = 0;
  return () => `${prefix}-${(next++).toString(36)}`;
}

/** Builds the HTTP server over a context. Every route schema is TypeBox; every error goes through http/errors.ts. */
export async function buildServer(ctx: AppContext, options: ServerOptions = {}): Promise<App> {
  const app = Fastify({
    loggerInstance: ctx.log as FastifyBaseLogger,
    genReqId: requestIds(),
    requestIdHeader: false,
    bodyLimit: ctx.config.limits.jsonBodyMaxBytes,
    // Only the named proxies may say who the client is (X-Forwarded-For) and how it came (X-Forwarded-Proto).
    trustProxy: ctx.config.trustProxy.length > 0 ? ctx.config.trustProxy : false,
    ajv: { customOptions: {} },
    // Node's and the router's own answers (431, 414, malformed requests) in the one error shape.
    clientErrorHandler: answerClientError,
    frameworkErrors: answerFrameworkError,
  });
  app.setValidatorCompiler(validatorCompiler());
  installErrorHandler(app);

  const security = securityHeaders({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        mediaSrc: ["'self'", 'blob:'],
        workerSrc: ["'self'", 'blob:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
      },
    },
    // Media is fetched by the page's own player; cross-origin embedding stays off.
    crossOriginEmbedderPolicy: false,
  });
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(security);
    reply.header('x-request-id', request.id);
    done();
  });

  const auth = new Auth(ctx.sessions, ctx.config.publicUrl, ctx.moveFreeze);
  await app.register(fastifyCookie);
  installRouteLimits(app, auth, ctx.limits.secret);
  await app.register(fastifyRateLimit, {
    global: false,
    keyGenerator: (request) => clientKey(ctx.limits.secret, request.ip),
    ...(ctx.limits.redis ? { redis: ctx.limits.redis, nameSpace: `${ctx.config.queuePrefix}:rl:` } : {}),
    errorResponseBuilder: (_request, limit) =>
      new RateLimitedError(
        'request.rate_limited',
        `Too many requests; try again in ${Math.max(1, Math.ceil(limit.ttl / 1000))} s.`,
      ),
  });
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Reelm API',
        version: '1.0.0',
        description: 'Short-video social network with data sovereignty built in.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          cookie: { type: 'apiKey', in: 'cookie', name: 'reelm_session' },
        },
      },
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs', staticCSP: true });

  app.get('/health', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  installMetrics(app, ctx);
  // Readiness: every store this process depends on answers (a load balancer stops routing here if not).
  app.get('/ready', { schema: { hide: true } }, async (_request, reply) => {
    const checks: Record<string, string> = {};
    const probe = async (name: string, fn: () => Promise<unknown>) => {
      try {
        await fn();
        checks[name] = 'ok';
      } catch {
        checks[name] = 'unavailable';
      }
    };
    await probe('directory', () => ctx.directory.selectFrom('users').select('id').limit(1).execute());
    for (const cell of ctx.cells.all()) {
      await probe(`cell:${cell.region}`, () => cell.db.selectFrom('accounts').select('id').limit(1).execute());
      await probe(`queue:${cell.region}`, () => ctx.queues.get(cell.region)!.counts());
    }
    const ready = Object.values(checks).every((v) => v === 'ok');
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', checks });
  });
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(
    async (api) => {
      await accountRoutes(api, ctx, auth);
      await accountSecurityRoutes(api, ctx, auth);
      await mediaRoutes(api, ctx, auth);
      await avatarRoutes(api, ctx, auth);
      await operatorRoutes(api, ctx, auth);
      await signInRoutes(api, ctx, auth);
      await sovereigntyRoutes(api, ctx, auth);
      await socialRoutes(api, ctx, auth);
      await feedRoutes(api, ctx, auth);
      await moderationRoutes(api, ctx, auth);
    },
    { prefix: '/api/v1' },
  );
  await mediaFileRoutes(app, ctx);
  await avatarFileRoutes(app, ctx);

  const webDist = options.webDist ?? [WEB_DIST, WEB_DIST_SRC].find((d) => existsSync(join(d, 'index.html')));
  if (webDist && existsSync(join(webDist, 'index.html'))) {
    await app.register(fastifyStatic, {
      root: webDist,
      prefix: '/',
      wildcard: false,
      index: false,
      maxAge: '1h',
      preCompressed: true,
      setHeaders: (reply, path) =>
        reply.header(
          'cache-control',
          path.startsWith(join(webDist, 'assets')) ? 'public, max-age=31536000, immutable' : 'no-cache',
        ),
    });
    // Hashed assets never change; the shell must be revalidated.
    app.get('/assets/*', { schema: { hide: true } }, (req, reply) => {
      const file = (req.params as { '*': string })['*'];
      return reply.header('cache-control', 'public, max-age=31536000, immutable').sendFile(`assets/${file}`);
    });
  }

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const isApi =
      path.startsWith('/api/') ||
      path.startsWith('/media/') ||
      path.startsWith('/avatars/') ||
      path === '/health' ||
      path === '/ready' ||
      path.startsWith('/docs');
    if (!isApi && (request.method === 'GET' || request.method === 'HEAD') && webDist) {
      // Deep links (/@handle, /v/:id, …) load the app shell, which routes on the client.
      return reply.header('cache-control', 'no-cache').type('text/html').sendFile('index.html');
    }
    return reply.status(404).send(errorBody('not_found', `Nothing here: ${request.method} ${path}.`));
  });

  return app;
}
