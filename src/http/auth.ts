import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal, SessionService } from '../accounts/session.service.js';
import { ConflictError, UnauthorizedError } from '../errors.js';
import type { MoveFreeze } from '../regions/move-freeze.js';

/** Methods that change state: refused to an account whose data is moving (reads, status included, go on). */
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export const SESSION_COOKIE = 'reelm_session';

declare module 'fastify' {
  interface FastifyRequest {
    /** Memo of the resolved principal for this request (undefined = not resolved yet, null = anonymous). */
    principalMemo?: Promise<Principal | null>;
  }
}

function tokenOf(request: FastifyRequest): { token: string; from: 'header' | 'cookie' } | undefined {
  const header = request.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new UnauthorizedError('auth.invalid_token', 'The Authorization header must be "Bearer <token>".');
    return { token: match[1]!, from: 'header' };
  }
  const cookie = request.cookies?.[SESSION_COOKIE];
  return cookie ? { token: cookie, from: 'cookie' } : undefined;
}

/**
 * Resolves who is calling, from `Authorization: Bearer` or the session cookie, once per request.
 * Routes ask with `requireUser` or `optionalUser`; nothing is decorated onto the app.
 */
export class Auth {
  /** `Secure` on every cookie when people reach the deployment over https (`config.publicUrl`). */
  private readonly alwaysSecure: boolean;

  constructor(
    private readonly sessions: SessionService,
    publicUrl = '',
    /** Accounts frozen while their data moves home region (src/regions/home-move.ts). */
    private readonly freeze?: MoveFreeze,
  ) {
    this.alwaysSecure = publicUrl.startsWith('https:');
  }

  private resolve(request: FastifyRequest, strict: boolean): Promise<Principal | null> {
    const found = tokenOf(request);
    if (!found) return Promise.resolve(null);
    const attempt = this.sessions.authenticate(found.token);
    // A stale cookie on a page anyone may see is treated as a visitor; a bad bearer token is always an error.
    const principal = strict || found.from === 'header' ? attempt : attempt.catch(() => null);
    return WRITES.has(request.method) ? principal.then((p) => this.notMoving(p)) : principal;
  }

  /**
   * The one place a write by a moving account is refused: every route that acts for a user learns who it is here.
   * A write reaching the old copy after the move read it would be lost with the old copy.
   */
  private async notMoving(principal: Principal | null): Promise<Principal | null> {
    if (!principal || !this.freeze) return principal;
    const to = await this.freeze.movingTo(principal.userId, principal.region);
    if (to) throw new ConflictError('account.moving', `Your data is moving to region ${to}; try again in a moment.`);
    return principal;
  }

  async requireUser(request: FastifyRequest): Promise<Principal> {
    const principal = await this.resolve(request, true);
    if (!principal) throw new UnauthorizedError();
    return principal;
  }

  async optionalUser(request: FastifyRequest): Promise<Principal | null> {
    request.principalMemo ??= this.resolve(request, false);
    return request.principalMemo;
  }

  setCookie(request: FastifyRequest, reply: FastifyReply, token: string, expiresAt: string): void {
    reply.setCookie(SESSION_COOKIE, token, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      // request.protocol honours X-Forwarded-Proto from trusted proxies only (Fastify's trustProxy).
      secure: this.alwaysSecure || request.protocol === 'https',
      expires: new Date(expiresAt),
    });
  }

  clearCookie(reply: FastifyReply): void {
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
  }
}
