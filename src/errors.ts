/**
 * Domain errors. Services throw these with a stable `code`; `http/errors.ts` maps them to HTTP
 * statuses in one place. Messages are written for a person and never carry protected data.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
export class InvalidInputError extends DomainError {}
export class UnauthorizedError extends DomainError {
  constructor(code = 'auth.required', message = 'Sign in to do this.') {
    super(code, message);
  }
}
export class ForbiddenError extends DomainError {}
export class NotFoundError extends DomainError {}
export class ConflictError extends DomainError {}
export class PayloadTooLargeError extends DomainError {}
/** The body is of a type this call does not take (415). */
export class UnsupportedMediaTypeError extends DomainError {}
export class RateLimitedError extends DomainError {}
/** A dependency (ffmpeg, a store) is missing or down: the request was fine, the server cannot serve it. */
export class UnavailableError extends DomainError {}
