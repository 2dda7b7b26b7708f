import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ISO_COUNTRIES, defaultCountryMap } from './regions/countries.js';

export interface Limits {
  /** Largest upload accepted, in bytes. */
  uploadMaxBytes: number;
  /** Longest clip accepted, in milliseconds. */
  durationMaxMs: number;
  /** Largest long edge of the source, in pixels. */
  maxLongEdge: number;
  /** Largest request body for JSON routes. */
  jsonBodyMaxBytes: number;
  /** Largest multipart upload through POST /videos. */
  multipartMaxBytes: number;
}

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** Region ids; each is one cell. */
  regions: string[];
  /** ISO 3166-1 alpha-2 → region id; every assigned code is present. */
  countryRegion: Record<string, string>;
  /** PostgreSQL URL of the directory; absent = embedded SQLite. */
  directoryUrl: string | undefined;
  /** Per region: PostgreSQL URL of the cell store; absent = embedded SQLite. */
  cellUrls: Record<string, string | undefined>;
  /** Per region: s3:// URL of the media store; absent = a folder in the data dir. */
  mediaUrls: Record<string, string | undefined>;
  /** Redis key prefix of the BullMQ queues (one deployment per prefix). */
  queuePrefix: string;
  /** Per region: S3 credentials for the media bucket; absent = the AWS default chain. */
  mediaCredentials: Record<string, { accessKeyId: string; secretAccessKey: string } | undefined>;
  /** Per region: redis:// URL of a BullMQ queue; absent = the queue table in the cell's own store. */
  queueUrls: Record<string, string | undefined>;
  /** Per region: base64 key-encryption key given from outside (env or file); absent = generated in embedded mode. */
  kek: Record<string, string | undefined>;
  limits: Limits;
  ffmpegPath: string;
  ffprobePath: string;
  sessionTtlHours: number;
  rateLimit: { signupPerMinute: number; loginPerMinute: number };
  /**
   * Where every API process keeps its rate-limit and backoff counters (`REELM_RATE_LIMIT_REDIS_URL`, else the first
   * region's queue Redis), so N processes allow what one does; absent = in this process's memory (embedded).
   */
  rateLimitRedisUrl: string | undefined;
  deletionGraceDays: number;
  logLevel: string;
  /** Run the job workers inside this process (embedded `start`). */
  inProcessWorkers: boolean;
  /** How long a worker owns a job without a heartbeat; after a crash the job runs again this much later. */
  jobLeaseMs: number;
  /** Per region; every configured region has one. */
  policies: Record<string, RegionPolicy>;
  /** How long a "download your data" link works. */
  exportExpiryDays: number;
  /** A signed audit checkpoint every this many entries. */
  auditCheckpointEvery: number;
  /** Longest grant an operator may ask for. */
  grantMaxMinutes: number;
  /** Where people reach this deployment (`REELM_PUBLIC_URL`): links in mail; https here means Secure cookies. */
  publicUrl: string;
  /** Addresses or CIDRs of trusted reverse proxies (`REELM_TRUST_PROXY`, comma-separated); empty = none. */
  trustProxy: string[];
  /** A bearer token `/metrics` asks for (`REELM_METRICS_TOKEN`); absent = the aggregates are open like /health. */
  metricsToken: string | undefined;
  /** Outgoing mail (`REELM_SMTP_URL`, e.g. smtp://user:pass@host:587); absent = each cell's outbox. */
  smtpUrl: string | undefined;
  /** The From address of outgoing mail (`REELM_MAIL_FROM`). */
  mailFrom: string;
  /** How long an unfinished tus upload lives (`REELM_UPLOAD_EXPIRY_MS`). */
  uploadExpiryMs: number;
  /** Open (unfinished) uploads one user may have at once (`REELM_UPLOADS_OPEN_MAX`). */
  uploadsOpenMax: number;
  /** Base64 key of the email blind index (`REELM_BLIND_INDEX_KEY` or `_FILE`), the same for every cell; absent = generated in the data dir. */
  blindIndexKey: string | undefined;
}

/** Per-region policy: the law of the place, applied to its users. */
export interface RegionPolicy {
  /** Youngest age allowed to sign up. */
  minAge: number;
  /** Below this age an account gets the teen defaults. */
  teenUntil: number;
  teenDefaults: {
    privateAccount: boolean;
    whoCanComment: 'everyone' | 'followers' | 'no_one';
    directMessages: boolean;
  };
  /** Feature gates, e.g. `directMessages`, `duets`: absent = on. */
  features: Record<string, boolean>;
  /** Uploading needs a verified email address (default false). */
  requireVerifiedEmail: boolean;
  moderation: {
    /** Unreversed strikes (removals) that suspend an account automatically. */
    strikesToSuspend: number;
    /** How long such a suspension lasts. */
    autoSuspendDays: number;
    /** How long a decision can be appealed. */
    appealDays: number;
  };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const FileSchema = Type.Object(
  {
    port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
    host: Type.Optional(Type.String()),
    dataDir: Type.Optional(Type.String({ minLength: 1 })),
    regions: Type.Optional(Type.Array(Type.String({ pattern: '^[a-z][a-z0-9]{1,15}$' }), { minItems: 1 })),
    countryRegion: Type.Optional(Type.Record(Type.String(), Type.String())),
    limits: Type.Optional(
      Type.Partial(
        Type.Object({
          uploadMaxBytes: Type.Integer({ minimum: 1 }),
          durationMaxMs: Type.Integer({ minimum: 1 }),
          maxLongEdge: Type.Integer({ minimum: 16 }),
          jsonBodyMaxBytes: Type.Integer({ minimum: 1024 }),
          multipartMaxBytes: Type.Integer({ minimum: 1 }),
        }),
      ),
    ),
    ffmpegPath: Type.Optional(Type.String()),
    ffprobePath: Type.Optional(Type.String()),
    sessionTtlHours: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    rateLimit: Type.Optional(
      Type.Partial(
        Type.Object({ signupPerMinute: Type.Integer({ minimum: 1 }), loginPerMinute: Type.Integer({ minimum: 1 }) }),
      ),
    ),
    deletionGraceDays: Type.Optional(Type.Number({ minimum: 0 })),
    logLevel: Type.Optional(
      Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l))),
    ),
    policies: Type.Optional(
      Type.Record(
        Type.String(),
        Type.Object(
          {
            minAge: Type.Optional(Type.Integer({ minimum: 0, maximum: 30 })),
            teenUntil: Type.Optional(Type.Integer({ minimum: 0, maximum: 30 })),
            teenDefaults: Type.Optional(
              Type.Partial(
                Type.Object({
                  privateAccount: Type.Boolean(),
                  whoCanComment: Type.Union([
                    Type.Literal('everyone'),
                    Type.Literal('followers'),
                    Type.Literal('no_one'),
                  ]),
                  directMessages: Type.Boolean(),
                }),
                { additionalProperties: false },
              ),
            ),
            moderation: Type.Optional(
              Type.Partial(
                Type.Object({
                  strikesToSuspend: Type.Integer({ minimum: 1, maximum: 100 }),
                  autoSuspendDays: Type.Integer({ minimum: 1, maximum: 365 }),
                  appealDays: Type.Integer({ minimum: 1, maximum: 3650 }),
                }),
                { additionalProperties: false },
              ),
            ),
            features: Type.Optional(Type.Record(Type.String(), Type.Boolean())),
            requireVerifiedEmail: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    exportExpiryDays: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    auditCheckpointEvery: Type.Optional(Type.Integer({ minimum: 1 })),
    grantMaxMinutes: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);
export type ConfigFile = Static<typeof FileSchema>;

const DEFAULT_REGIONS = ['us', 'eu', 'au', 'nz', 'row'];

function intEnv(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  return Number(raw);
}

function readConfigFile(path: string): ConfigFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`cannot read ${path}: ${(err as Error).message}`);
  }
  if (!Value.Check(FileSchema, parsed)) {
    const first = [...Value.Errors(FileSchema, parsed)][0];
    throw new ConfigError(`${path}: ${first?.path || '/'} ${first?.message ?? 'is invalid'}`);
  }
  return parsed;
}

/**
 * Builds the configuration from environment variables and an optional JSON file
 * (`REELM_CONFIG`, else `reelm.config.json` in the working directory). Environment wins over the file.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<ConfigFile> = {}): Config {
  // A data folder carries its own config (a carved-out region, a deployment after a detach).
  const inDataDir = env.REELM_DATA_DIR ? join(resolve(env.REELM_DATA_DIR), 'reelm.config.json') : undefined;
  // REELM_CONFIG='' turns the working directory's file off, not the data folder's own.
  const filePath = env.REELM_CONFIG
    ? env.REELM_CONFIG
    : inDataDir && existsSync(inDataDir)
      ? inDataDir
      : env.REELM_CONFIG === ''
        ? undefined
        : resolve('reelm.config.json');
  const file: ConfigFile = filePath && (env.REELM_CONFIG || existsSync(filePath)) ? readConfigFile(filePath) : {};
  const merged: ConfigFile = { ...file, ...overrides };

  const regions = env.REELM_REGIONS
    ? env.REELM_REGIONS.split(',').map((r) => r.trim())
    : (merged.regions ?? DEFAULT_REGIONS);
  for (const r of regions) {
    if (!/^[a-z][a-z0-9]{1,15}$/.test(r))
      throw new ConfigError(`region id "${r}" must be 2–16 lowercase letters or digits`);
  }
  if (new Set(regions).size !== regions.length) throw new ConfigError('region ids must be unique');

  const countryRegion = defaultCountryMap();
  // A custom region list without the default ids sends unmapped countries to the last region.
  const fallback = regions.includes('row') ? 'row' : regions[regions.length - 1]!;
  for (const c of Object.keys(countryRegion)) if (!regions.includes(countryRegion[c]!)) countryRegion[c] = fallback;
  for (const [country, region] of Object.entries(merged.countryRegion ?? {})) {
    const code = country.toUpperCase();
    if (!ISO_COUNTRIES.includes(code))
      throw new ConfigError(`countryRegion: "${country}" is not an ISO 3166-1 alpha-2 code`);
    if (!regions.includes(region)) throw new ConfigError(`countryRegion: ${code} maps to unknown region "${region}"`);
    countryRegion[code] = region;
  }

  const perRegion = (suffix: string) =>
    Object.fromEntries(regions.map((r) => [r, env[`REELM_${suffix.replace('*', r.toUpperCase())}`] || undefined]));
  const kek: Record<string, string | undefined> = {};
  for (const r of regions) {
    const R = r.toUpperCase();
    const fromFile = env[`REELM_KEK_${R}_FILE`];
    kek[r] = env[`REELM_KEK_${R}`] || (fromFile ? readFileSync(fromFile, 'utf8').trim() : undefined);
  }

  const port = intEnv(env, 'PORT') ?? merged.port ?? 3000;
  if (port > 65535) throw new ConfigError(`PORT must be at most 65535, got ${port}`);
  const limits: Limits = {
    uploadMaxBytes: intEnv(env, 'REELM_UPLOAD_MAX_BYTES') ?? merged.limits?.uploadMaxBytes ?? 2 * 1024 ** 3,
    durationMaxMs: intEnv(env, 'REELM_DURATION_MAX_MS') ?? merged.limits?.durationMaxMs ?? 10 * 60_000,
    maxLongEdge: intEnv(env, 'REELM_MAX_LONG_EDGE') ?? merged.limits?.maxLongEdge ?? 4096,
    jsonBodyMaxBytes: merged.limits?.jsonBodyMaxBytes ?? 256 * 1024,
    multipartMaxBytes: intEnv(env, 'REELM_MULTIPART_MAX_BYTES') ?? merged.limits?.multipartMaxBytes ?? 256 * 1024 ** 2,
  };

  for (const region of Object.keys(merged.policies ?? {})) {
    if (!regions.includes(region)) throw new ConfigError(`policies: unknown region "${region}"`);
  }
  const policies = Object.fromEntries(
    regions.map((r) => {
      const p = merged.policies?.[r] ?? {};
      const policy: RegionPolicy = {
        minAge: p.minAge ?? 13,
        teenUntil: p.teenUntil ?? 16,
        teenDefaults: { privateAccount: true, whoCanComment: 'followers', directMessages: false, ...p.teenDefaults },
        features: { ...p.features },
        requireVerifiedEmail: p.requireVerifiedEmail ?? false,
        moderation: { strikesToSuspend: 3, autoSuspendDays: 7, appealDays: 180, ...p.moderation },
      };
      return [r, policy];
    }),
  );

  return {
    port,
    host: env.HOST ?? merged.host ?? '0.0.0.0',
    dataDir: resolve(env.REELM_DATA_DIR || merged.dataDir || './data'),
    regions,
    countryRegion,
    directoryUrl: env.REELM_DIRECTORY_URL || undefined,
    cellUrls: perRegion('CELL_*_URL'),
    mediaUrls: perRegion('MEDIA_*_URL'),
    queueUrls: perRegion('QUEUE_*_URL'),
    queuePrefix: env.REELM_QUEUE_PREFIX || 'reelm',
    mediaCredentials: Object.fromEntries(
      regions.map((r) => {
        const id = env[`REELM_MEDIA_${r.toUpperCase()}_ACCESS_KEY`];
        const secret = env[`REELM_MEDIA_${r.toUpperCase()}_SECRET_KEY`];
        return [r, id && secret ? { accessKeyId: id, secretAccessKey: secret } : undefined];
      }),
    ),
    kek,
    limits,
    ffmpegPath: env.REELM_FFMPEG ?? merged.ffmpegPath ?? 'ffmpeg',
    ffprobePath: env.REELM_FFPROBE ?? merged.ffprobePath ?? 'ffprobe',
    sessionTtlHours: merged.sessionTtlHours ?? 24 * 30,
    rateLimit: {
      signupPerMinute: intEnv(env, 'REELM_SIGNUP_PER_MINUTE') ?? merged.rateLimit?.signupPerMinute ?? 30,
      loginPerMinute: intEnv(env, 'REELM_LOGIN_PER_MINUTE') ?? merged.rateLimit?.loginPerMinute ?? 30,
    },
    rateLimitRedisUrl:
      env.REELM_RATE_LIMIT_REDIS_URL || regions.map((r) => env[`REELM_QUEUE_${r.toUpperCase()}_URL`]).find(Boolean),
    deletionGraceDays: merged.deletionGraceDays ?? 30,
    logLevel: env.REELM_LOG_LEVEL ?? merged.logLevel ?? 'info',
    inProcessWorkers: true,
    jobLeaseMs: intEnv(env, 'REELM_JOB_LEASE_MS') ?? 30_000,
    policies,
    exportExpiryDays: merged.exportExpiryDays ?? 7,
    auditCheckpointEvery: merged.auditCheckpointEvery ?? 64,
    grantMaxMinutes: merged.grantMaxMinutes ?? 7 * 24 * 60,
    publicUrl: (env.REELM_PUBLIC_URL || `http://localhost:${port}`).replace(/\/+$/, ''),
    trustProxy: (env.REELM_TRUST_PROXY ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    metricsToken: env.REELM_METRICS_TOKEN || undefined,
    smtpUrl: env.REELM_SMTP_URL || undefined,
    mailFrom: env.REELM_MAIL_FROM || 'Reelm <no-reply@localhost>',
    uploadExpiryMs: intEnv(env, 'REELM_UPLOAD_EXPIRY_MS') ?? 24 * 3600_000,
    uploadsOpenMax: intEnv(env, 'REELM_UPLOADS_OPEN_MAX') ?? 5,
    blindIndexKey:
      env.REELM_BLIND_INDEX_KEY ||
      (env.REELM_BLIND_INDEX_KEY_FILE ? readFileSync(env.REELM_BLIND_INDEX_KEY_FILE, 'utf8').trim() : undefined),
  };
}
