/**
 * The backstop behind careful log calls: whatever text reaches a log line (a message, an error's message
 * and stack) goes through `scrubText`, and whatever object goes through pino's `redact` paths. Log calls
 * must still not pass personal data or secrets; this catches what slips through, e.g. a library error
 * that quotes its input.
 */

const WITHHELD = '[redacted]';

interface ScrubRule {
  pattern: RegExp;
  replacement: string;
}

const RULES: ScrubRule[] = [
  // Authorization headers and anything written like one.
  { pattern: /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, replacement: `$1 ${WITHHELD}` },
  // Access tokens and event tickets are JWTs: a base64url JSON header, so they start with "eyJ".
  { pattern: /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, replacement: WITHHELD },
  // Personal API tokens (API_TOKEN_PREFIX in libs/accounts).
  { pattern: /\blbx_[A-Za-z0-9_-]{8,}/g, replacement: `lbx_${WITHHELD}` },
  // A single-use SSE ticket, or any credential, in a query string.
  { pattern: /([?&](?:ticket|token|access_token|password|secret)=)[^&\s"']*/gi, replacement: `$1${WITHHELD}` },
  // Credentials in a URL: postgres://user:password@host, redis://:password@host.
  { pattern: /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:"']*:[^\s/@"']*@/gi, replacement: `$1${WITHHELD}@` },
  // A cookie header's value.
  { pattern: /\b((?:set-)?cookie:\s*)[^\r\n"]+/gi, replacement: `$1${WITHHELD}` },
  // V8 quotes the start of what it could not parse: `Unexpected token 'a', "alice@exa"... is not valid JSON`.
  { pattern: /Unexpected token '[^']*', "[\s\S]*?"(?:\.\.\.)? is not valid JSON/g, replacement: 'Unexpected token in (withheld input); not valid JSON' },
  { pattern: /"[\s\S]*?"(?:\.\.\.)? is not valid JSON/g, replacement: '(withheld input) is not valid JSON' },
  // PostgreSQL quotes the value it refused: `invalid input syntax for type uuid: "…"`, `Key (email)=(…)`.
  { pattern: /(invalid input (?:syntax|value) for (?:type|enum) [^:\n]+): "[^\n]*"/g, replacement: '$1: (withheld value)' },
  { pattern: /\bKey \(([^)\n]*)\)=\([^\n]*?\)( already exists| is not present| conflicts)/g, replacement: 'Key ($1)=(withheld)$2' },
  // An email address is personal data: log the account's id instead.
  { pattern: /(?<![A-Za-z0-9._%+\\-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b/g, replacement: '[email]' },
];

/** The text with every secret and email address it holds replaced; see RULES. */
export function scrubText(text: string): string {
  let scrubbed = text;
  for (const { pattern, replacement } of RULES) scrubbed = scrubbed.replace(pattern, replacement);
  return scrubbed;
}

/**
 * Keys whose values never reach a log line, wherever an object passed to the logger holds them (pino
 * `redact` paths: the key itself, and one and two levels down). Values of these names are secrets or a
 * person's data by nature: no scrubbing of their text could be trusted to catch all of it.
 */
const SECRET_KEYS = [
  'authorization',
  'cookie',
  'password',
  'currentPassword',
  'newPassword',
  'passwordHash',
  'token',
  'accessToken',
  'ticket',
  'secret',
  'jwtSecret',
  'secretAccessKey',
  'accessKeyId',
  'credentials',
  'databaseUrl',
  'redisUrl',
  'email',
  'params',
  'records',
  'record',
  'text',
  'result',
  'filename',
  'body',
];

export const REDACTED_PATHS: string[] = SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);

export const REDACTED = WITHHELD;
