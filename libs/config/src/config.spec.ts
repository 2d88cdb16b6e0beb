import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, ensureJwtSecretFile, loadConfig, loadLogSettings } from './config';
import { writeRuntimeFile } from './runtime-file';

const external = {
  LOCKBOX_HOME: '/nonexistent-lockbox-home',
  DATABASE_URL: 'postgres://lockbox:secret@db.internal:5432/lockbox',
  REDIS_URL: 'redis://cache.internal:6379',
  AWS_REGION: 'eu-west-1',
  LOCKBOX_S3_BUCKET: 'lockbox-prod',
  JWT_SECRET: 'x'.repeat(40),
};

describe('loadConfig', () => {
  it('builds a production configuration from the environment alone', () => {
    const config = loadConfig(external);
    expect(config.database.url).toBe(external.DATABASE_URL);
    expect(config.sqs).toMatchObject({ region: 'eu-west-1', endpoint: undefined, queuePrefix: 'lockbox-' });
    expect(config.s3).toMatchObject({ bucket: 'lockbox-prod', endpoint: undefined, forcePathStyle: false });
    expect(config.api.port).toBe(3000);
  });

  it('names every problem at once', () => {
    let error: unknown;
    try {
      loadConfig({ LOCKBOX_HOME: '/nonexistent-lockbox-home', DATABASE_URL: 'mysql://x', PORT: 'eighty' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/DATABASE_URL must use postgres/);
    expect(problems).toMatch(/PORT must be an integer/);
    expect(problems).toMatch(/REDIS_URL is required/);
    expect(problems).toMatch(/LOCKBOX_S3_BUCKET is required/);
    expect(problems).toMatch(/JWT_SECRET is required/);
  });

  it('fills what the environment leaves out from the embedded stack, and the environment wins', () => {
    const home = mkdtempSync(join(tmpdir(), 'lockbox-config-'));
    writeRuntimeFile(home, {
      version: 1,
      instanceId: 'abc',
      launcherPid: 1,
      startedAt: new Date().toISOString(),
      databaseUrl: 'postgres://postgres:pw@127.0.0.1:5555/lockbox',
      redisUrl: 'redis://:pw@127.0.0.1:6666',
      sqsEndpoint: 'http://127.0.0.1:7777',
      s3Endpoint: 'http://127.0.0.1:8888',
      bucket: 'lockbox',
      awsAccessKeyId: 'LBXEXAMPLEKEY0000000',
      awsSecretAccessKey: 'example-secret',
    });
    ensureJwtSecretFile(home);
    const config = loadConfig({ LOCKBOX_HOME: home, REDIS_URL: 'redis://elsewhere:6379' });
    expect(config.database.url).toBe('postgres://postgres:pw@127.0.0.1:5555/lockbox');
    expect(config.redis.url).toBe('redis://elsewhere:6379');
    expect(config.sqs.endpoint).toBe('http://127.0.0.1:7777');
    expect(config.s3).toMatchObject({ endpoint: 'http://127.0.0.1:8888', forcePathStyle: true });
    expect(config.auth.jwtSecret).toHaveLength(64);
  });

  it('rejects a short JWT secret and a lone admin email', () => {
    const load = (): unknown => loadConfig({ ...external, JWT_SECRET: 'short', LOCKBOX_ADMIN_EMAIL: 'a@b.c' });
    expect(load).toThrow(/JWT_SECRET must be at least 32 characters/);
    expect(load).toThrow(/LOCKBOX_ADMIN_EMAIL and LOCKBOX_ADMIN_PASSWORD go together/);
  });

  it('keeps the embedded JWT secret across restarts', () => {
    const home = mkdtempSync(join(tmpdir(), 'lockbox-config-'));
    writeFileSync(join(home, 'jwt-secret'), 'y'.repeat(64));
    ensureJwtSecretFile(home);
    expect(loadConfig({ ...external, JWT_SECRET: undefined, LOCKBOX_HOME: home }).auth.jwtSecret).toBe('y'.repeat(64));
  });

  it('takes the dataset upload cap from LOCKBOX_DATASET_UPLOAD_MAX_BYTES, keeping the other limits', () => {
    expect(loadConfig(external).limits.datasetUploadMaxBytes).toBe(1024 ** 3);
    const limits = loadConfig({ ...external, LOCKBOX_DATASET_UPLOAD_MAX_BYTES: '4096' }).limits;
    expect(limits.datasetUploadMaxBytes).toBe(4096);
    expect(limits.imageTarballMaxBytes).toBe(2 * 1024 ** 3);
    expect(() => loadConfig({ ...external, LOCKBOX_DATASET_UPLOAD_MAX_BYTES: '0' })).toThrow(/LOCKBOX_DATASET_UPLOAD_MAX_BYTES must be an integer/);
  });
});

describe('jobs.maxAttempts and the job deadlines', () => {
  it('caps lost attempts at 3 by default, and keeps the cap below the SQS receive count so a crashing job ends before its message is dead-lettered', () => {
    expect(loadConfig(external).jobs.maxAttempts).toBe(3);
    expect(loadConfig({ ...external, LOCKBOX_JOB_MAX_ATTEMPTS: '4' }).jobs.maxAttempts).toBe(4);
    expect(() => loadConfig({ ...external, LOCKBOX_JOB_MAX_ATTEMPTS: '5' })).toThrow(
      /LOCKBOX_JOB_MAX_ATTEMPTS \(5\) must be lower than LOCKBOX_SQS_MAX_RECEIVE_COUNT \(5\)/,
    );
    expect(loadConfig({ ...external, LOCKBOX_JOB_MAX_ATTEMPTS: '5', LOCKBOX_SQS_MAX_RECEIVE_COUNT: '6' }).jobs.maxAttempts).toBe(5);
    expect(() => loadConfig({ ...external, LOCKBOX_JOB_MAX_ATTEMPTS: '0' })).toThrow(/LOCKBOX_JOB_MAX_ATTEMPTS must be an integer from 1/);
  });

  it('gives checks and ingests 30 minutes by default; a check must have time for the longest smoke run', () => {
    expect(loadConfig(external).jobs).toMatchObject({ checkDeadlineMs: 1_800_000, ingestDeadlineMs: 1_800_000 });
    expect(loadConfig({ ...external, LOCKBOX_CHECK_DEADLINE_MS: '900001', LOCKBOX_INGEST_DEADLINE_MS: '1000' }).jobs).toMatchObject({
      checkDeadlineMs: 900_001,
      ingestDeadlineMs: 1_000,
    });
    expect(() => loadConfig({ ...external, LOCKBOX_CHECK_DEADLINE_MS: '900000' })).toThrow(
      /LOCKBOX_CHECK_DEADLINE_MS must be longer than the longest run timeout \(900 s\)/,
    );
  });
});

describe('api.trustProxy (LOCKBOX_TRUST_PROXY)', () => {
  it('trusts no proxy by default, so X-Forwarded-For never names the client', () => {
    expect(loadConfig(external).api.trustProxy).toBe(false);
    expect(loadConfig({ ...external, LOCKBOX_TRUST_PROXY: 'false' }).api.trustProxy).toBe(false);
    expect(loadConfig({ ...external, LOCKBOX_TRUST_PROXY: '0' }).api.trustProxy).toBe(false);
  });

  it('takes a hop count, or addresses, subnets and express names of trusted proxies', () => {
    expect(loadConfig({ ...external, LOCKBOX_TRUST_PROXY: '1' }).api.trustProxy).toBe(1);
    expect(loadConfig({ ...external, LOCKBOX_TRUST_PROXY: 'loopback, 10.0.0.0/8,fd00::/8, 192.0.2.7' }).api.trustProxy).toEqual([
      'loopback',
      '10.0.0.0/8',
      'fd00::/8',
      '192.0.2.7',
    ]);
  });

  it('refuses true (any client could then pick its address) and anything it cannot read', () => {
    for (const value of ['true', 'everyone', '10.0.0.0/33', '300.1.1.1', 'loopback;10.0.0.1']) {
      expect(() => loadConfig({ ...external, LOCKBOX_TRUST_PROXY: value })).toThrow(/LOCKBOX_TRUST_PROXY must be false, a number of proxy hops/);
    }
  });
});

describe('auth throttling settings', () => {
  it('defaults to 5 free failures, a backoff capped at 60 s and 20 registrations per address per hour', () => {
    expect(loadConfig(external).auth).toMatchObject({ loginMaxFailures: 5, loginWindowSeconds: 900, loginBackoffMaxSeconds: 60, registrationsPerHour: 20 });
    expect(loadConfig({ ...external, LOCKBOX_LOGIN_BACKOFF_MAX_S: '2', LOCKBOX_REGISTRATIONS_PER_HOUR: '5' }).auth).toMatchObject({
      loginBackoffMaxSeconds: 2,
      registrationsPerHour: 5,
    });
    expect(() => loadConfig({ ...external, LOCKBOX_LOGIN_BACKOFF_MAX_S: '0' })).toThrow(/LOCKBOX_LOGIN_BACKOFF_MAX_S must be an integer from 1/);
  });
});

describe('api.http', () => {
  it('waits on clients by progress, not by total time, with documented defaults', () => {
    expect(loadConfig(external).api.http).toEqual({ idleTimeoutMs: 60_000, headersTimeoutMs: 20_000, keepAliveTimeoutMs: 5_000, bodyMinBytesPerSecond: 1024 });
    const tuned = loadConfig({ ...external, LOCKBOX_HTTP_IDLE_TIMEOUT_MS: '2000', LOCKBOX_HTTP_BODY_MIN_BYTES_PER_S: '0' }).api.http;
    expect(tuned).toMatchObject({ idleTimeoutMs: 2000, bodyMinBytesPerSecond: 0 });
    expect(() => loadConfig({ ...external, LOCKBOX_HTTP_HEADERS_TIMEOUT_MS: '0' })).toThrow(/LOCKBOX_HTTP_HEADERS_TIMEOUT_MS must be an integer from 500/);
  });
});

describe('quotas', () => {
  it('has a documented default for each, at least 500 active runs, and takes each from its setting', () => {
    expect(loadConfig(external).quotas).toEqual({ activeRuns: 500, datasets: 100, datasetBytes: 10 * 1024 ** 3, pendingSubmissions: 10, sseConnections: 10 });
    const quotas = loadConfig({
      ...external,
      LOCKBOX_QUOTA_ACTIVE_RUNS: '3',
      LOCKBOX_QUOTA_DATASETS: '4',
      LOCKBOX_QUOTA_DATASET_BYTES: '5000',
      LOCKBOX_QUOTA_PENDING_SUBMISSIONS: '6',
      LOCKBOX_QUOTA_SSE_CONNECTIONS: '7',
    }).quotas;
    expect(quotas).toEqual({ activeRuns: 3, datasets: 4, datasetBytes: 5000, pendingSubmissions: 6, sseConnections: 7 });
    expect(() => loadConfig({ ...external, LOCKBOX_QUOTA_DATASETS: '0' })).toThrow(/LOCKBOX_QUOTA_DATASETS must be an integer from 1/);
  });
});

describe('sandbox.requiredRuntime', () => {
  it('is unset by default, runsc when LOCKBOX_SANDBOX_RUNTIME=runsc, and rejects anything else', () => {
    expect(loadConfig(external).sandbox.requiredRuntime).toBeUndefined();
    expect(loadConfig({ ...external, LOCKBOX_SANDBOX_RUNTIME: 'runsc' }).sandbox.requiredRuntime).toBe('runsc');
    expect(() => loadConfig({ ...external, LOCKBOX_SANDBOX_RUNTIME: 'kata' })).toThrow(/LOCKBOX_SANDBOX_RUNTIME must be runsc or runc/);
  });
});

describe('log (LOCKBOX_LOG_LEVEL, LOCKBOX_LOG_FORMAT)', () => {
  it('logs at info, pretty on a terminal only, by default; takes any pino level and a format', () => {
    expect(loadConfig(external).log).toEqual({ level: 'info', format: 'auto' });
    expect(loadConfig({ ...external, LOCKBOX_LOG_LEVEL: 'debug', LOCKBOX_LOG_FORMAT: 'json' }).log).toEqual({ level: 'debug', format: 'json' });
    expect(loadConfig({ ...external, LOCKBOX_LOG_LEVEL: 'WARN' }).log.level).toBe('warn');
  });

  it('refuses an unknown level or format, while the log settings alone fall back to the defaults so the refusal can be logged', () => {
    expect(() => loadConfig({ ...external, LOCKBOX_LOG_LEVEL: 'loud' })).toThrow(
      /LOCKBOX_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent/,
    );
    expect(() => loadConfig({ ...external, LOCKBOX_LOG_FORMAT: 'xml' })).toThrow(/LOCKBOX_LOG_FORMAT must be one of auto, json, pretty/);
    expect(loadLogSettings({ LOCKBOX_LOG_LEVEL: 'loud', LOCKBOX_LOG_FORMAT: 'pretty' })).toEqual({ level: 'info', format: 'pretty' });
  });
});

describe('stats', () => {
  it('defaults to 10 people, rounding to 10, one run per person and a day after the week, and refuses settings that would show one run', () => {
    expect(loadConfig(external).stats).toEqual({ minPeople: 10, roundTo: 10, runsPerPerson: 1, publishDelayHours: 24 });
    expect(loadConfig({ ...external, LOCKBOX_STATS_MIN_PEOPLE: '25', LOCKBOX_STATS_ROUND_TO: '5' }).stats).toMatchObject({ minPeople: 25, roundTo: 5 });
    expect(() => loadConfig({ ...external, LOCKBOX_STATS_MIN_PEOPLE: '1' })).toThrow(/LOCKBOX_STATS_MIN_PEOPLE must be an integer from 2/);
    expect(() => loadConfig({ ...external, LOCKBOX_STATS_ROUND_TO: '1' })).toThrow(/LOCKBOX_STATS_ROUND_TO must be an integer from 2/);
    expect(() => loadConfig({ ...external, LOCKBOX_STATS_PUBLISH_DELAY_H: '0' })).toThrow(/LOCKBOX_STATS_PUBLISH_DELAY_H must be an integer from 1/);
  });
});
