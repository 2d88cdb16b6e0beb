import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { DEFAULT_PLATFORM_LIMITS, definePlatformLimits, type PlatformLimits } from '@lockbox/analysis-sdk';
import { readRuntimeFile, type RuntimeFile } from './runtime-file';

/** The largest object S3 stores; no upload cap can usefully exceed it. */
const MAX_S3_OBJECT_BYTES = 5 * 1024 ** 4;

export type QueueName = 'runs' | 'ingest' | 'checks';
export const QUEUE_NAMES: readonly QueueName[] = ['runs', 'ingest', 'checks'];

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface SqsConfig {
  region: string;
  endpoint?: string;
  credentials?: AwsCredentials;
  /** Queue names are `${queuePrefix}${QueueName}` and `${queuePrefix}${QueueName}-dlq`. */
  queuePrefix: string;
  visibilityTimeoutSeconds: number;
  waitTimeSeconds: number;
  maxReceiveCount: number;
}

/** pino's levels, and `silent`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
/** `auto`: pretty on a terminal, JSON lines otherwise (a file, a pipe, a log collector). */
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface LogSettings {
  level: LogLevel;
  format: LogFormat;
}

export interface S3Config {
  region: string;
  endpoint?: string;
  credentials?: AwsCredentials;
  bucket: string;
  forcePathStyle: boolean;
}

/**
 * How long the API's HTTP server waits on a client. There is no limit on a request's total time (a 2 GiB
 * upload on a slow line may take hours): a client is cut off only when it stops making progress.
 */
export interface HttpServerLimits {
  /** A connection on which the client sends nothing and reads nothing for this long is closed. */
  idleTimeoutMs: number;
  /** The request line and headers must arrive within this. */
  headersTimeoutMs: number;
  /** An idle keep-alive connection is closed after this (keep it above a load balancer's idle timeout). */
  keepAliveTimeoutMs: number;
  /** A request body must move at least this fast, measured over each `idleTimeoutMs` window; 0 turns the check off. */
  bodyMinBytesPerSecond: number;
}

/** Per-user limits on what one account may hold or have going at once; a request over one is answered 429. */
export interface QuotaLimits {
  /** Runs queued or running, per user. */
  activeRuns: number;
  /** Datasets kept, per user. */
  datasets: number;
  /** Bytes of the raw uploads of a user's datasets together. */
  datasetBytes: number;
  /** Submissions a developer has waiting for checks or review (submitted, checking, awaiting_review). */
  pendingSubmissions: number;
  /** Open `GET /events` streams, per user, across all API instances. */
  sseConnections: number;
}

export interface LockboxConfig {
  /** State directory of this stack; its hash names the stack on shared hosts (`lockbox.instance`). */
  home: string;
  instanceId: string;
  /**
   * `catalogueCacheMs`: how long an API instance may answer a catalogue search from memory.
   * `trustProxy`: which proxies' X-Forwarded-For gives the client's address (express's `trust proxy`):
   * none by default, so a client cannot choose the address its logins are throttled by.
   * `http`: the HTTP server's timeouts (an idle timeout and a minimum body rate, never a total one).
   */
  api: { host: string; port: number; catalogueCacheMs: number; trustProxy: TrustProxy; http: HttpServerLimits };
  database: { url: string };
  redis: { url: string };
  sqs: SqsConfig;
  s3: S3Config;
  docker: { host?: string };
  /** `runsc` (LOCKBOX_SANDBOX_RUNTIME=runsc) makes gVisor mandatory: every container uses it, or the worker does not start. */
  sandbox: { requiredRuntime?: 'runsc' };
  auth: {
    jwtSecret: string;
    accessTokenTtlSeconds: number;
    /** Failed logins (per account; four times as many per client address) before each further attempt must wait. */
    loginMaxFailures: number;
    /** How long failed logins are remembered after the last attempt. */
    loginWindowSeconds: number;
    /** The longest wait the login backoff imposes (it doubles from 1 s per failure past the allowance). */
    loginBackoffMaxSeconds: number;
    /** Registrations one client address may attempt per hour. */
    registrationsPerHour: number;
    /** How long the API may reuse a caller's account (role) it looked up: a role change takes effect this late at most. */
    callerCacheMs: number;
    /** A browser session ends after this long without a request (LOCKBOX_SESSION_IDLE_S). */
    sessionIdleSeconds: number;
    /** A browser session ends this long after sign-in, however busy (LOCKBOX_SESSION_MAX_S). */
    sessionMaxSeconds: number;
  };
  worker: {
    heartbeatIntervalMs: number;
    /** A worker not heard from for this long is considered gone. */
    heartbeatExpiryMs: number;
    /** The queues this worker consumes: all by default; a subset makes dedicated workers (e.g. checks only). */
    queues: QueueName[];
    /** Jobs one worker handles at once, per queue. */
    concurrency: Record<QueueName, number>;
    /** On SIGTERM, how long in-flight jobs may take to finish before they are handed back. */
    shutdownGraceMs: number;
  };
  jobs: {
    /** How long a claim holds without renewal; a worker renews it while the job runs. */
    leaseMs: number;
    leaseRenewMs: number;
    /** The outbox poller's period: the safety net behind publishing straight after commit. */
    outboxPollMs: number;
    /** A job still waiting this long after its message was sent is sent again (the queue may have lost it). */
    republishAfterMs: number;
    /** How often the API's reconciler looks for jobs to re-send: stale waiting jobs and expired leases (also once at start-up). */
    reconcileMs: number;
    /** Delay before a job that hit a platform fault is retried, doubled per delivery. */
    retryBackoffSeconds: number;
    /**
     * How long past its deadline (the manifest's timeout, from the attempt's start) a run may stay
     * `running` before the API's sweep ends it: the worker should have stopped it at the deadline, so a
     * run still going this much later has a worker or engine that stopped answering.
     */
    runOverdueGraceMs: number;
    /**
     * Attempts a job may lose (its worker died, stalled past the job's deadline or lost the lease) before
     * the next claim ends it instead of trying again: `failed/attempts_exhausted` for a run,
     * `check_failed` for a submission, `failed` for a dataset. Hand-backs (platform faults, shutdown) do not count.
     */
    maxAttempts: number;
    /**
     * How long a submission check, or an ingest, may take before its worker gives up on it as stalled: its
     * share of the queue's capacity comes back, its lease is left to expire and the attempt counts as lost.
     * (A run's bound follows from its deadline: `jobDeadlineMs` in the worker's consumer.)
     */
    checkDeadlineMs: number;
    ingestDeadlineMs: number;
  };
  /**
   * How a developer's figures about their analysis are made (docs/security.md, "Developer figures"):
   * per closed ISO week (UTC), published `publishDelayHours` after its end and frozen; only over weeks
   * with at least `minPeople` distinct people; counts rounded to the nearest `roundTo`; each person's
   * first `runsPerPerson` runs of the week counted.
   */
  stats: { minPeople: number; roundTo: number; runsPerPerson: number; publishDelayHours: number };
  /** What `npm run up` starts: the number of worker processes it runs (and restarts when one dies). */
  launcher: { workers: number };
  /** Caps on reading an uploaded export (docs/data-formats.md, "Caps"): entries of a ZIP, and bytes inflated from it in all. */
  exports: { maxEntries: number; maxTotalInflatedBytes: number };
  quotas: QuotaLimits;

  /** The process's own log lines (libs/logging): LOCKBOX_LOG_LEVEL, LOCKBOX_LOG_FORMAT. */
  log: LogSettings;
  seedAdmin?: { email: string; password: string };
  limits: PlatformLimits;
}

/**
 * Express's `trust proxy`: false (the socket's address is the client's), a number of proxy hops, or the
 * addresses and subnets of trusted proxies (with express's names loopback, linklocal, uniquelocal).
 */
export type TrustProxy = false | number | string[];

const TRUST_PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Reads and checks environment values, collecting every problem so one error names them all. */
class EnvReader {
  readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  string(name: string, fallback?: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value === '' ? fallback : value;
  }

  required(name: string, value: string | undefined, hint: string): string {
    if (value === undefined) {
      this.problems.push(`${name} is required (${hint})`);
      return '';
    }
    return value;
  }

  url(name: string, value: string | undefined, protocols: string[]): string | undefined {
    if (value === undefined) return undefined;
    try {
      const parsed = new URL(value);
      if (!protocols.includes(parsed.protocol)) {
        this.problems.push(`${name} must use ${protocols.join(' or ')} (got ${parsed.protocol})`);
      }
    } catch {
      this.problems.push(`${name} is not a valid URL`);
    }
    return value;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const raw = this.env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      this.problems.push(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  }

  queueList(name: string): QueueName[] {
    const raw = this.env[name];
    if (raw === undefined || raw.trim() === '') return [...QUEUE_NAMES];
    const names = raw.split(',').map((entry) => entry.trim());
    const unknown = names.filter((entry) => !QUEUE_NAMES.includes(entry as QueueName));
    if (unknown.length > 0) this.problems.push(`${name} names unknown queue(s) ${unknown.join(', ')}; known: ${QUEUE_NAMES.join(', ')}`);
    return QUEUE_NAMES.filter((queue) => names.includes(queue));
  }

  /** Only gVisor can be required: runc is what every worker has anyway. */
  requiredRuntime(name: string): 'runsc' | undefined {
    const raw = this.env[name];
    if (raw === undefined || raw === '' || raw === 'runc') return undefined;
    if (raw === 'runsc') return 'runsc';
    this.problems.push(`${name} must be runsc or runc (got "${raw}")`);
    return undefined;
  }

  /** `true` is refused: it trusts whatever X-Forwarded-For a client sends, so any client could pick its address. */
  trustProxy(name: string): TrustProxy {
    const raw = this.env[name]?.trim();
    if (raw === undefined || raw === '' || raw === 'false') return false;
    if (/^\d+$/.test(raw)) return Number(raw) === 0 ? false : Number(raw);
    const entries = raw.split(',').map((entry) => entry.trim());
    const invalid = entries.filter((entry) => !TRUST_PROXY_NAMES.includes(entry) && !isAddressOrSubnet(entry));
    if (invalid.length > 0 || raw === 'true') {
      this.problems.push(
        `${name} must be false, a number of proxy hops, or a comma-separated list of proxy addresses, subnets (10.0.0.0/8) and ${TRUST_PROXY_NAMES.join(', ')} (got "${raw}")`,
      );
      return false;
    }
    return entries;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.env[name]?.trim().toLowerCase();
    if (raw === undefined || raw === '') return fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    this.problems.push(`${name} must be one of ${allowed.join(', ')} (got "${this.env[name]}")`);
    return fallback;
  }

  boolean(name: string, fallback: boolean): boolean {
    const raw = this.env[name];
    if (raw === undefined || raw === '') return fallback;
    if (['1', 'true', 'yes'].includes(raw.toLowerCase())) return true;
    if (['0', 'false', 'no'].includes(raw.toLowerCase())) return false;
    this.problems.push(`${name} must be true or false (got "${raw}")`);
    return fallback;
  }
}

function isAddressOrSubnet(entry: string): boolean {
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
}

function readLogSettings(read: EnvReader): LogSettings {
  return { level: read.oneOf('LOCKBOX_LOG_LEVEL', LOG_LEVELS, 'info'), format: read.oneOf('LOCKBOX_LOG_FORMAT', LOG_FORMATS, 'auto') };
}

/**
 * The log settings alone, for a process to start logging before (and whether or not) the rest of its
 * configuration is valid. A bad value falls back to the default here; `loadConfig` reports it.
 */
export function loadLogSettings(env: Env = process.env): LogSettings {
  return readLogSettings(new EnvReader(env));
}

export function defaultHome(env: Env = process.env): string {
  return resolve(env.LOCKBOX_HOME || '.lockbox');
}

export function instanceIdFor(home: string): string {
  return createHash('sha256').update(resolve(home)).digest('hex').slice(0, 12);
}

function jwtSecretPath(home: string): string {
  return join(home, 'jwt-secret');
}

function readJwtSecretFile(home: string): string | undefined {
  try {
    return readFileSync(jwtSecretPath(home), 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * In production the signing secret for access tokens comes from JWT_SECRET; an embedded stack keeps a
 * generated one in its home so that tokens survive a restart.
 */
export function ensureJwtSecretFile(home: string): void {
  if (readJwtSecretFile(home)) return;
  mkdirSync(home, { recursive: true });
  writeFileSync(jwtSecretPath(home), randomBytes(32).toString('hex'), { mode: 0o600 });
}

/**
 * Builds the one typed configuration object from the environment and, for whatever the environment
 * leaves out, the embedded stack's runtime.json. Validated once; libs never read process.env.
 */
export function loadConfig(env: Env = process.env): LockboxConfig {
  const read = new EnvReader(env);
  const home = defaultHome(env);
  const runtime: Partial<RuntimeFile> = readRuntimeFile(home) ?? {};
  const noStack = 'set it, or start the embedded stack with `npm run up`';

  const region = read.string('AWS_REGION', runtime.awsRegion ?? 'us-east-1')!;
  const accessKeyId = read.string('AWS_ACCESS_KEY_ID', runtime.awsAccessKeyId);
  const secretAccessKey = read.string('AWS_SECRET_ACCESS_KEY', runtime.awsSecretAccessKey);
  const credentials = accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined;
  const s3Endpoint = read.url('AWS_ENDPOINT_URL_S3', read.string('AWS_ENDPOINT_URL_S3', runtime.s3Endpoint), ['http:', 'https:']);

  const config: LockboxConfig = {
    home,
    instanceId: instanceIdFor(home),
    api: {
      host: read.string('HOST', '127.0.0.1')!,
      port: read.integer('PORT', 3000, 0, 65535),
      catalogueCacheMs: read.integer('LOCKBOX_CATALOGUE_CACHE_MS', 1_000, 0, 60_000),
      trustProxy: read.trustProxy('LOCKBOX_TRUST_PROXY'),
      http: {
        idleTimeoutMs: read.integer('LOCKBOX_HTTP_IDLE_TIMEOUT_MS', 60_000, 500, 3_600_000),
        headersTimeoutMs: read.integer('LOCKBOX_HTTP_HEADERS_TIMEOUT_MS', 20_000, 500, 600_000),
        keepAliveTimeoutMs: read.integer('LOCKBOX_HTTP_KEEP_ALIVE_TIMEOUT_MS', 5_000, 500, 600_000),
        bodyMinBytesPerSecond: read.integer('LOCKBOX_HTTP_BODY_MIN_BYTES_PER_S', 1024, 0, 1024 ** 3),
      },
    },
    database: {
      url: read.required('DATABASE_URL', read.url('DATABASE_URL', read.string('DATABASE_URL', runtime.databaseUrl), ['postgres:', 'postgresql:']), noStack),
    },
    redis: {
      url: read.required('REDIS_URL', read.url('REDIS_URL', read.string('REDIS_URL', runtime.redisUrl), ['redis:', 'rediss:']), noStack),
    },
    sqs: {
      region,
      endpoint: read.url('AWS_ENDPOINT_URL_SQS', read.string('AWS_ENDPOINT_URL_SQS', runtime.sqsEndpoint), ['http:', 'https:']),
      credentials,
      queuePrefix: read.string('LOCKBOX_QUEUE_PREFIX', runtime.queuePrefix ?? 'lockbox-')!,
      visibilityTimeoutSeconds: read.integer('LOCKBOX_SQS_VISIBILITY_TIMEOUT_S', 60, 1, 43200),
      waitTimeSeconds: read.integer('LOCKBOX_SQS_WAIT_TIME_S', 20, 0, 20),
      maxReceiveCount: read.integer('LOCKBOX_SQS_MAX_RECEIVE_COUNT', 5, 2, 1000),
    },
    s3: {
      region,
      endpoint: s3Endpoint,
      credentials,
      bucket: read.required('LOCKBOX_S3_BUCKET', read.string('LOCKBOX_S3_BUCKET', runtime.bucket), noStack),
      forcePathStyle: read.boolean('AWS_S3_FORCE_PATH_STYLE', s3Endpoint !== undefined),
    },
    docker: { host: read.string('DOCKER_HOST') },
    sandbox: { requiredRuntime: read.requiredRuntime('LOCKBOX_SANDBOX_RUNTIME') },
    auth: {
      jwtSecret: read.required('JWT_SECRET', read.string('JWT_SECRET', readJwtSecretFile(home)), noStack),
      accessTokenTtlSeconds: read.integer('LOCKBOX_ACCESS_TOKEN_TTL_S', 3600, 60, 30 * 86400),
      loginMaxFailures: read.integer('LOCKBOX_LOGIN_MAX_FAILURES', 5, 1, 1000),
      loginWindowSeconds: read.integer('LOCKBOX_LOGIN_WINDOW_S', 900, 1, 86400),
      loginBackoffMaxSeconds: read.integer('LOCKBOX_LOGIN_BACKOFF_MAX_S', 60, 1, 3600),
      registrationsPerHour: read.integer('LOCKBOX_REGISTRATIONS_PER_HOUR', 20, 1, 1_000_000),
      callerCacheMs: read.integer('LOCKBOX_CALLER_CACHE_MS', 2_000, 0, 60_000),
      sessionIdleSeconds: read.integer('LOCKBOX_SESSION_IDLE_S', 1800, 10, 7 * 86400),
      sessionMaxSeconds: read.integer('LOCKBOX_SESSION_MAX_S', 43_200, 60, 30 * 86400),
    },
    worker: {
      heartbeatIntervalMs: read.integer('LOCKBOX_WORKER_HEARTBEAT_MS', 5000, 100, 600_000),
      heartbeatExpiryMs: read.integer('LOCKBOX_WORKER_EXPIRY_MS', 20_000, 300, 3_600_000),
      queues: read.queueList('LOCKBOX_WORKER_QUEUES'),
      concurrency: {
        runs: read.integer('LOCKBOX_WORKER_RUN_CONCURRENCY', 2, 1, 64),
        ingest: read.integer('LOCKBOX_WORKER_INGEST_CONCURRENCY', 2, 1, 64),
        checks: read.integer('LOCKBOX_WORKER_CHECK_CONCURRENCY', 1, 1, 64),
      },
      shutdownGraceMs: read.integer('LOCKBOX_WORKER_SHUTDOWN_GRACE_MS', 20_000, 0, 3_600_000),
    },
    jobs: {
      leaseMs: read.integer('LOCKBOX_LEASE_MS', 30_000, 500, 3_600_000),
      leaseRenewMs: read.integer('LOCKBOX_LEASE_RENEW_MS', 10_000, 100, 3_600_000),
      outboxPollMs: read.integer('LOCKBOX_OUTBOX_POLL_MS', 2_000, 50, 600_000),
      republishAfterMs: read.integer('LOCKBOX_REPUBLISH_AFTER_MS', 120_000, 500, 86_400_000),
      reconcileMs: read.integer('LOCKBOX_RECONCILE_MS', 30_000, 100, 3_600_000),
      retryBackoffSeconds: read.integer('LOCKBOX_RETRY_BACKOFF_S', 5, 0, 3600),
      runOverdueGraceMs: read.integer('LOCKBOX_RUN_OVERDUE_GRACE_MS', 300_000, 0, 86_400_000),
      maxAttempts: read.integer('LOCKBOX_JOB_MAX_ATTEMPTS', 3, 1, 100),
      checkDeadlineMs: read.integer('LOCKBOX_CHECK_DEADLINE_MS', 1_800_000, 1_000, 86_400_000),
      ingestDeadlineMs: read.integer('LOCKBOX_INGEST_DEADLINE_MS', 1_800_000, 1_000, 86_400_000),
    },
    stats: {
      minPeople: read.integer('LOCKBOX_STATS_MIN_PEOPLE', 10, 2, 10_000),
      roundTo: read.integer('LOCKBOX_STATS_ROUND_TO', 10, 2, 10_000),
      runsPerPerson: read.integer('LOCKBOX_STATS_RUNS_PER_PERSON', 1, 1, 100),
      publishDelayHours: read.integer('LOCKBOX_STATS_PUBLISH_DELAY_H', 24, 1, 168),
    },
    launcher: { workers: read.integer('LOCKBOX_WORKERS', 1, 1, 32) },
    exports: {
      maxEntries: read.integer('LOCKBOX_EXPORT_MAX_ENTRIES', 100_000, 1, 1_000_000),
      maxTotalInflatedBytes: read.integer('LOCKBOX_EXPORT_MAX_INFLATED_BYTES', 8 * 1024 ** 3, 1024 ** 2, 64 * 1024 ** 3),
    },
    quotas: {
      activeRuns: read.integer('LOCKBOX_QUOTA_ACTIVE_RUNS', 500, 1, 1_000_000),
      datasets: read.integer('LOCKBOX_QUOTA_DATASETS', 100, 1, 1_000_000),
      datasetBytes: read.integer('LOCKBOX_QUOTA_DATASET_BYTES', 10 * 1024 ** 3, 1, Number.MAX_SAFE_INTEGER),
      pendingSubmissions: read.integer('LOCKBOX_QUOTA_PENDING_SUBMISSIONS', 10, 1, 10_000),
      sseConnections: read.integer('LOCKBOX_QUOTA_SSE_CONNECTIONS', 10, 1, 10_000),
    },

    log: readLogSettings(read),
    limits: definePlatformLimits({
      datasetUploadMaxBytes: read.integer('LOCKBOX_DATASET_UPLOAD_MAX_BYTES', DEFAULT_PLATFORM_LIMITS.datasetUploadMaxBytes, 1, MAX_S3_OBJECT_BYTES),
      imageTarballMaxBytes: read.integer(
        'LOCKBOX_IMAGE_TARBALL_MAX_BYTES',
        DEFAULT_PLATFORM_LIMITS.imageTarballMaxBytes,
        1,
        DEFAULT_PLATFORM_LIMITS.imageDecompressedMaxBytes,
      ),
    }),
  };

  const adminEmail = read.string('LOCKBOX_ADMIN_EMAIL');
  const adminPassword = read.string('LOCKBOX_ADMIN_PASSWORD');
  if (adminEmail && adminPassword) config.seedAdmin = { email: adminEmail, password: adminPassword };
  else if (adminEmail || adminPassword) read.problems.push('LOCKBOX_ADMIN_EMAIL and LOCKBOX_ADMIN_PASSWORD go together');

  if (config.jobs.leaseRenewMs >= config.jobs.leaseMs) read.problems.push('LOCKBOX_LEASE_RENEW_MS must be shorter than LOCKBOX_LEASE_MS');
  // Each lost attempt may leave its message undeleted: below maxReceiveCount, the cap ends a crashing job
  // (its owner told) before SQS could park one of its messages in the dead-letter queue.
  if (config.jobs.maxAttempts >= config.sqs.maxReceiveCount) {
    read.problems.push(
      `LOCKBOX_JOB_MAX_ATTEMPTS (${config.jobs.maxAttempts}) must be lower than LOCKBOX_SQS_MAX_RECEIVE_COUNT (${config.sqs.maxReceiveCount})`,
    );
  }
  if (config.jobs.checkDeadlineMs <= config.limits.runTimeoutMaxSeconds * 1000) {
    read.problems.push(
      `LOCKBOX_CHECK_DEADLINE_MS must be longer than the longest run timeout (${config.limits.runTimeoutMaxSeconds} s), which a smoke run may take`,
    );
  }
  if (config.auth.sessionIdleSeconds > config.auth.sessionMaxSeconds) read.problems.push('LOCKBOX_SESSION_IDLE_S must not exceed LOCKBOX_SESSION_MAX_S');
  if (config.auth.jwtSecret && config.auth.jwtSecret.length < 32) read.problems.push('JWT_SECRET must be at least 32 characters');
  if (read.problems.length > 0) throw new ConfigError(read.problems);
  return config;
}

export function queueNameFor(config: Pick<SqsConfig, 'queuePrefix'>, queue: QueueName): string {
  return `${config.queuePrefix}${queue}`;
}

export function deadLetterQueueNameFor(config: Pick<SqsConfig, 'queuePrefix'>, queue: QueueName): string {
  return `${config.queuePrefix}${queue}-dlq`;
}
