import pino, { type Logger, type DestinationStream } from 'pino';

export type { Logger };

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const IPV4 = /\b(?:\d{1,3}\.){3}\d{1,3}\b/g;
// Full and compressed IPv6 forms with at least two groups around a "::" or 8 groups.
const IPV6 =
  /\b(?:[0-9a-fA-F]{1,4}:){2,7}[0-9a-fA-F]{0,4}\b|\b[0-9a-fA-F]{1,4}::(?:[0-9a-fA-F]{1,4}:?){0,6}\b|::ffff:[0-9.]+/g;
// Session tokens are `<region>.<43 base64url chars>`; any long base64url run is treated as a secret.
const TOKEN = /\b[A-Za-z0-9_-]{40,}\b/g;
// Addresses of this machine identify no person, and operators need them in start-up lines.
const LOCAL_IPS = new Set(['127.0.0.1', '0.0.0.0']);

/** Scrubs protected values out of a string: the logger's last line of defence, whatever a caller passes. */
export function scrub(text: string): string {
  return text
    .replace(EMAIL, '[email]')
    .replace(TOKEN, '[secret]')
    .replace(IPV6, (ip) => (ip === '::1' ? ip : '[ip]'))
    .replace(IPV4, (ip) => (LOCAL_IPS.has(ip) ? ip : '[ip]'));
}

function scrubDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrub(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error)
    return { type: value.name, message: scrub(value.message), stack: value.stack ? scrub(value.stack) : undefined };
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, depth + 1));
  // Only plain objects are copied: requests and replies keep their getters for the serializers.
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrubDeep(v, depth + 1);
  return out;
}

const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-forwarded-for"]',
  'req.headers["x-real-ip"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.email',
  '*.token',
  '*.ip',
  '*.birthdate',
  '*.phone',
];

/**
 * The one logger factory. Protected values (emails, IPs, tokens, passwords) are redacted by path and by
 * pattern, and requests are logged without the client address.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT, censor: '[redacted]' },
      serializers: {
        // The path only: query strings carry what people search for, and search queries are stored nowhere.
        req: (req: { id?: string; method?: string; url?: string }) => ({
          id: req.id,
          method: req.method,
          url: req.url && scrub(req.url.split('?')[0]!),
        }),
        res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
        err: (err: Error) => scrubDeep(err),
      },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => scrubDeep(a)) as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}
