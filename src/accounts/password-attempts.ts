import { createHmac } from 'node:crypto';
import { isIPv6 } from 'node:net';
import { Redis as IORedis, type Redis } from 'ioredis';
import { RateLimitedError } from '../errors.js';

/**
 * Backoff on failed secret checks (passwords, TOTP codes), counted per account *and* client.
 *
 * Why both: counting per client alone lets a botnet guess one account slowly from many addresses (the per-route
 * limits still bound each address); counting per account alone lets anyone lock the owner out by failing on
 * purpose. Per account+client, the guessing client waits longer and longer while the owner, from their own
 * address, signs in as usual. After `free` failures each further one doubles the wait (1 s, 2 s, 4 s … up to
 * `maxDelayMs`); a success clears the pair, and an idle pair is forgotten after `forgetMs`.
 *
 * Keys are HMACs of the account and the client address: an address is protected data, and the counters may
 * live in a Redis shared by every API process (so N processes allow no more guesses than one).
 */
export interface AttemptStore {
  get(key: string): Promise<AttemptState | undefined>;
  /** Counts one failure; `lockFor` turns the new count into how long the pair must wait (0 = not at all). */
  fail(key: string, atMs: number, lockFor: (failures: number) => number, forgetMs: number): Promise<AttemptState>;
  clear(key: string): Promise<void>;
}

/**
 * The unit a limit counts: an IPv4 address, or an IPv6 address's /64 (one subscriber usually holds a whole /64, so
 * counting single IPv6 addresses would give each of them 2^64 budgets). IPv4-mapped IPv6 counts as the IPv4.
 */
export function addressBlock(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!isIPv6(ip)) return ip;
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = ip.includes('::') ? (tail ? tail.split(':') : []) : [];
  const groups = ip.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return (
    groups
      .slice(0, 4)
      .map((g) => g.replace(/^0+(?=.)/, ''))
      .join(':') + '::/64'
  );
}

export interface AttemptState {
  failures: number;
  /** Epoch ms before which the pair is refused. */
  lockedUntil: number;
}

export interface PasswordAttemptsOptions {
  store: AttemptStore;
  /** Keys the HMAC of account and client, so counters never hold an address. */
  secret: Buffer;
  now: () => Date;
  free?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  forgetMs?: number;
}

export class TooManyAttemptsError extends RateLimitedError {
  constructor(readonly retryAfterSeconds: number) {
    super(
      'auth.too_many_attempts',
      `Too many wrong attempts from your network for this account; try again in ${retryAfterSeconds} s.`,
    );
  }
}

export class PasswordAttempts {
  private readonly free: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly forgetMs: number;

  constructor(private readonly options: PasswordAttemptsOptions) {
    this.free = options.free ?? 5;
    this.baseDelayMs = options.baseDelayMs ?? 1000;
    this.maxDelayMs = options.maxDelayMs ?? 15 * 60_000;
    this.forgetMs = options.forgetMs ?? 3600_000;
  }

  private key(account: string, client: string): string {
    return createHmac('sha256', this.options.secret)
      .update(`${account}\0${addressBlock(client)}`)
      .digest('base64url')
      .slice(0, 32);
  }

  /** Throws 429 `auth.too_many_attempts` (with a retry time) while this account+client pair must wait. */
  async assertOpen(account: string, client: string): Promise<void> {
    const state = await this.options.store.get(this.key(account, client));
    const wait = state ? state.lockedUntil - this.options.now().getTime() : 0;
    if (wait > 0) throw new TooManyAttemptsError(Math.ceil(wait / 1000));
  }

  async failed(account: string, client: string): Promise<void> {
    const at = this.options.now().getTime();
    await this.options.store.fail(
      this.key(account, client),
      at,
      (n) => (n <= this.free ? 0 : Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (n - this.free - 1))),
      this.forgetMs,
    );
  }

  async succeeded(account: string, client: string): Promise<void> {
    await this.options.store.clear(this.key(account, client));
  }

  /** Runs one secret check under the backoff: refused while locked, counted when it fails, cleared when it passes. */
  async check(account: string, client: string, verify: () => Promise<boolean>): Promise<boolean> {
    await this.assertOpen(account, client);
    const ok = await verify();
    if (ok) await this.succeeded(account, client);
    else await this.failed(account, client);
    return ok;
  }
}

/** One process's counters (embedded mode), bounded: the oldest pairs go first when it is full. */
export class MemoryAttemptStore implements AttemptStore {
  private readonly pairs = new Map<string, AttemptState & { forgetAt: number }>();

  constructor(
    private readonly now: () => Date,
    private readonly maxPairs = 100_000,
  ) {}

  async get(key: string): Promise<AttemptState | undefined> {
    const found = this.pairs.get(key);
    if (found && found.forgetAt <= this.now().getTime()) {
      this.pairs.delete(key);
      return undefined;
    }
    return found;
  }

  async fail(key: string, atMs: number, lockFor: (n: number) => number, forgetMs: number): Promise<AttemptState> {
    const failures = ((await this.get(key))?.failures ?? 0) + 1;
    const state = { failures, lockedUntil: atMs + lockFor(failures), forgetAt: atMs + forgetMs };
    this.pairs.delete(key);
    this.pairs.set(key, state);
    if (this.pairs.size > this.maxPairs) this.pairs.delete(this.pairs.keys().next().value!);
    return state;
  }

  async clear(key: string): Promise<void> {
    this.pairs.delete(key);
  }
}

/** Counters shared by every API process of a cluster: one Redis hash per pair, expiring when idle. */
export class RedisAttemptStore implements AttemptStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async get(key: string): Promise<AttemptState | undefined> {
    const [failures, lockedUntil] = await this.redis.hmget(this.prefix + key, 'failures', 'lockedUntil');
    return failures ? { failures: Number(failures), lockedUntil: Number(lockedUntil ?? 0) } : undefined;
  }

  async fail(key: string, atMs: number, lockFor: (n: number) => number, forgetMs: number): Promise<AttemptState> {
    const k = this.prefix + key;
    const result = await this.redis.multi().hincrby(k, 'failures', 1).pexpire(k, forgetMs).exec();
    const failures = Number(result?.[0]?.[1] ?? 1);
    const lockedUntil = atMs + lockFor(failures);
    // Two processes failing at once both write a lock of about the same length; the later one wins.
    await this.redis.hset(k, 'lockedUntil', String(lockedUntil));
    return { failures, lockedUntil };
  }

  async clear(key: string): Promise<void> {
    await this.redis.del(this.prefix + key);
  }
}

export interface Limits {
  attempts: PasswordAttempts;
  /** Shared counters of a cluster (`config.rateLimitRedisUrl`); absent = this process's memory. */
  redis: Redis | undefined;
  /** Keys the HMACs that stand for client addresses in every counter. */
  secret: Buffer;
  close(): Promise<void>;
}

/** The counters behind rate limits and backoff: Redis when configured (a cluster), else memory. */
export function openLimits(options: {
  redisUrl: string | undefined;
  prefix: string;
  secret: Buffer;
  now: () => Date;
}): Limits {
  // Few retries: a request waiting on a limit check must fail soon rather than hang while Redis is away.
  const redis = options.redisUrl ? new IORedis(options.redisUrl, { maxRetriesPerRequest: 2 }) : undefined;
  const store = redis ? new RedisAttemptStore(redis, `${options.prefix}:pw:`) : new MemoryAttemptStore(options.now);
  return {
    attempts: new PasswordAttempts({ store, secret: options.secret, now: options.now }),
    redis,
    secret: options.secret,
    async close() {
      await redis?.quit();
    },
  };
}
