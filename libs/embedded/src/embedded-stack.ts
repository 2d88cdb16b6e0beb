import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { EmbeddedPostgresServer } from './postgres';
import { EmbeddedRedisServer } from './redis';
import { EmbeddedS3Server, S3RVER_CREDENTIALS } from './s3';
import type { EmbeddedService, EmbeddedServiceName, StackLog } from './service-process';
import { EmbeddedSqsServer } from './sqs';

export interface EmbeddedStackOptions {
  /** The stack's state directory: data, logs and pid files live under it. */
  home: string;
  log?: StackLog;
  /** Which services to start; all by default. Leave out what the environment provides. */
  include?: Partial<Record<EmbeddedServiceName, boolean>>;
}

/** What the rest of the platform needs to reach the embedded services: the runtime.json fields. */
export interface EmbeddedEndpoints {
  databaseUrl?: string;
  redisUrl?: string;
  sqsEndpoint?: string;
  s3Endpoint?: string;
  /** The AWS fields are set when SQS or S3 is embedded, so that they never mask real AWS credentials. */
  awsRegion?: string;
  awsAccessKeyId?: string;
  awsSecretAccessKey?: string;
  bucket?: string;
  queuePrefix?: string;
}

export interface EmbeddedServices {
  postgres?: EmbeddedPostgresServer;
  redis?: EmbeddedRedisServer;
  sqs?: EmbeddedSqsServer;
  s3?: EmbeddedS3Server;
}

export class EmbeddedStack {
  constructor(
    readonly home: string,
    readonly services: EmbeddedServices,
  ) {}

  /** Ports are chosen on the first start and kept across service restarts, so these stay valid. */
  get endpoints(): EmbeddedEndpoints {
    const { postgres, redis, sqs, s3 } = this.services;
    const aws = sqs || s3;
    return {
      databaseUrl: postgres?.url,
      redisUrl: redis?.url,
      sqsEndpoint: sqs?.endpoint,
      s3Endpoint: s3?.endpoint,
      // fauxqs accepts any signature, s3rver only its own keys: one pair serves both.
      ...(aws && { awsRegion: 'us-east-1', awsAccessKeyId: S3RVER_CREDENTIALS.accessKeyId, awsSecretAccessKey: S3RVER_CREDENTIALS.secretAccessKey }),
      ...(s3 && { bucket: 'lockbox' }),
      ...(sqs && { queuePrefix: 'lockbox-' }),
    };
  }

  async stop(): Promise<void> {
    await Promise.all(present(this.services).map((service) => service.stop()));
  }
}

/**
 * Starts the requested services in parallel, each on a free port. If any fails, the others are
 * stopped again and the error names every failed service with the tail of its log.
 */
export async function startEmbeddedStack(options: EmbeddedStackOptions): Promise<EmbeddedStack> {
  const home = resolve(options.home);
  mkdirSync(home, { recursive: true });
  const { log } = options;
  const wanted = (name: EmbeddedServiceName): boolean => options.include?.[name] ?? true;
  const stack = new EmbeddedStack(home, {
    postgres: wanted('postgres') ? new EmbeddedPostgresServer({ home, log }) : undefined,
    redis: wanted('redis') ? new EmbeddedRedisServer({ home, log }) : undefined,
    sqs: wanted('sqs') ? new EmbeddedSqsServer({ home, log }) : undefined,
    s3: wanted('s3') ? new EmbeddedS3Server({ home, log }) : undefined,
  });

  const services = present(stack.services);
  const results = await Promise.allSettled(services.map((service) => service.start()));
  const failures = results.flatMap((result, index) =>
    result.status === 'rejected' ? [`${services[index].name}: ${result.reason instanceof Error ? result.reason.message : String(result.reason)}`] : [],
  );
  if (failures.length > 0) {
    await stack.stop().catch(() => undefined);
    throw new Error(`the embedded stack in ${home} did not start:\n${failures.join('\n')}`);
  }
  return stack;
}

function present(services: EmbeddedServices): EmbeddedService[] {
  return [services.postgres, services.redis, services.sqs, services.s3].filter((service): service is NonNullable<typeof service> => service !== undefined);
}
