import { createHmac } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { addressBlock } from '../accounts/password-attempts.js';
import type { Auth } from './auth.js';

/**
 * Which routes are limited, how much and for whom, in one table. The counters live where
 * `ctx.limits.redis` says (shared by every API process in a cluster) and are keyed by an HMAC of the client
 * address (an address is protected data; the counters may sit in a Redis that every region's process uses) or by
 * the signed-in account. `request.ip` is the real client when `REELM_TRUST_PROXY` names the proxy in front.
 *
 * - `client`: one budget per client address (password checks: a stolen session must not guess quickly).
 * - `account`: one budget per signed-in account (a visitor counts by address), for writes and expensive reads.
 * Login and signup keep their own per-address limits (`config.rateLimit`) in accounts.routes.ts; reports have
 * theirs in the domain (`report.rate_limited`, 30 an hour per reporter); per account backoff on wrong passwords
 * is `PasswordAttempts`.
 */
interface RouteLimit {
  max: number;
  windowMs: number;
  per: 'client' | 'account';
}

const MINUTE = 60_000;

export const ROUTE_LIMITS: Record<string, RouteLimit> = {
  // Every password (or code) check, besides the per account+client backoff.
  'DELETE /api/v1/me': { max: 10, windowMs: MINUTE, per: 'client' },
  'POST /api/v1/me/password': { max: 10, windowMs: MINUTE, per: 'client' },
  'POST /api/v1/me/totp/confirm': { max: 10, windowMs: MINUTE, per: 'client' },
  'DELETE /api/v1/me/totp': { max: 10, windowMs: MINUTE, per: 'client' },
  // Writes, per account.
  'POST /api/v1/videos/:id/comments': { max: 30, windowMs: MINUTE, per: 'account' },
  'PUT /api/v1/users/:handle/follow': { max: 60, windowMs: MINUTE, per: 'account' },
  'DELETE /api/v1/users/:handle/follow': { max: 60, windowMs: MINUTE, per: 'account' },
  'POST /api/v1/uploads': { max: 30, windowMs: 60 * MINUTE, per: 'account' },
  'POST /api/v1/videos': { max: 30, windowMs: 60 * MINUTE, per: 'account' },
  'POST /api/v1/me/export': { max: 5, windowMs: 60 * MINUTE, per: 'account' },
  // Expensive reads.
  'GET /api/v1/search': { max: 60, windowMs: MINUTE, per: 'account' },
};

/** A rate-limit key for a client address (an IPv6 address's /64) that does not hold the address. */
export function clientKey(secret: Buffer, ip: string): string {
  return 'c:' + createHmac('sha256', secret).update(addressBlock(ip)).digest('base64url').slice(0, 24);
}

/**
 * Puts each listed route's limit on it as it is declared. Must be installed before @fastify/rate-limit is
 * registered: that plugin reads `config.rateLimit` in its own onRoute hook, which then runs after this one.
 */
export function installRouteLimits(app: FastifyInstance, auth: Auth, secret: Buffer): void {
  const byAccount = async (request: FastifyRequest) => {
    const who = await auth.optionalUser(request).catch(() => null);
    return who ? `u:${who.userId}` : clientKey(secret, request.ip);
  };
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      const limit = ROUTE_LIMITS[`${method} ${route.url}`];
      if (!limit) continue;
      route.config = {
        ...(route.config as object),
        rateLimit: {
          max: limit.max,
          timeWindow: limit.windowMs,
          ...(limit.per === 'account' ? { keyGenerator: byAccount } : {}),
        },
      } as typeof route.config;
    }
  });
}
