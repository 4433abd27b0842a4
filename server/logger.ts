import pino, { type Logger as PinoLogger } from 'pino';

/** Matches phone numbers in free text (E.164 and common national formats). */
const PHONE_RE = /\+?\d[\d\s().-]{7,}\d/g;

/** Keeps the country code and last two digits: enough to debug, not enough to identify. */
export function maskPhone(text: string): string {
  return text.replace(PHONE_RE, (m) => {
    const digits = m.replace(/\D/g, '');
    if (digits.length < 8) return m;
    return `${m.startsWith('+') ? '+' : ''}${digits.slice(0, m.startsWith('+') ? 1 : 0)}•••••${digits.slice(-2)}`;
  });
}

const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["x-twilio-signature"]',
  'req.headers["x-slack-signature"]',
  'req.headers["x-hubspot-signature-v3"]',
  'req.headers["x-tandem-org-key"]',
  '*.password',
  '*.secret',
  '*.token',
  '*.apiKey',
  '*.authToken',
  '*.accessToken',
  '*.refreshToken',
  '*.clientSecret',
  '*.privateAppToken',
  '*.body',
  '*.Body',
  '*.phone',
  '*.to',
  '*.from',
  '*.To',
  '*.From',
];

/**
 * pino with secrets removed by path and phone numbers masked in every string, so a careless log line
 * cannot leak a lead's number.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): PinoLogger {
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      formatters: {
        log(obj) {
          return scrub(obj) as Record<string, unknown>;
        },
      },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((a) => (typeof a === 'string' ? maskPhone(a) : a)) as Parameters<typeof method>;
          return method.apply(this, scrubbed);
        },
      },
    },
    destination,
  );
}

function scrub(value: unknown, depth = 0): unknown {
  if (depth > 6) return value;
  if (typeof value === 'string') return maskPhone(value);
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  if (value && typeof value === 'object' && !(value instanceof Date) && !(value instanceof Error)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v, depth + 1)]));
  }
  if (value instanceof Error) return { message: maskPhone(value.message), name: value.name };
  return value;
}
