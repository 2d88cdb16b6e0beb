import { resolve } from 'node:path';
import { EmbeddedPostgresServer } from './postgres';
import { runsAsRoot } from './postgres-account';
import { makeStatePrivate } from './private-state';
import { EmbeddedRedisServer } from './redis';
import { EmbeddedS3Server } from './s3';
import type { EmbeddedService, EmbeddedServiceName, StackLog } from './service-process';
import { EmbeddedSqsServer } from './sqs';

export interface EmbeddedStackOptions {
  /** The stack's state directory: data, logs and pid files live under it, readable by its owner only. */
  home: string;
  log?: StackLog;
  /** Which services to start; all by default. Leave out what the environment provides. */
  include?: Partial<Record<EmbeddedServiceName, boolean>>;
}

/** What the rest of the platform needs to reach the embedded services: the runtime.json fields, credentials included. */
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
      // The S3 gate accepts only the stack's own key pair, and fauxqs checks no signature: one pair serves both.
      ...(aws && { awsRegion: 'us-east-1', ...awsKeyPair(s3) }),
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
  const { log } = options;
  const wanted = (name: EmbeddedServiceName): boolean => options.include?.[name] ?? true;
  const loosened = makeStatePrivate(home, { homeGroupSearch: wanted('postgres') && runsAsRoot() });
  if (loosened > 0) log?.(`made ${loosened} path(s) under ${home} private to their owner (they were open to group or others)`);
  const stack = new EmbeddedStack(home, {
    postgres: wanted('postgres') ? new EmbeddedPostgresServer({ home, log }) : undefined,
    redis: wanted('redis') ? new EmbeddedRedisServer({ home, log }) : undefined,
    sqs: wanted('sqs') ? new EmbeddedSqsServer({ home, log }) : undefined,
    s3: wanted('s3') ? new EmbeddedS3Server({ home, log }) : undefined,
  });

  const services = present(stack.services);
  const results = await Promise.allSettled(services.map((service) => service.start()));
  const failures = results.flatMap((result, index) =>
    result.status === 'rejected' ? [`${services[index]!.name}: ${result.reason instanceof Error ? result.reason.message : String(result.reason)}`] : [],
  );
  if (failures.length > 0) {
    await stack.stop().catch(() => undefined);
    throw new Error(`the embedded stack in ${home} did not start:\n${failures.join('\n')}`);
  }
  return stack;
}

/** The key pair SQS and S3 clients sign with: the embedded S3's own, or a placeholder when only SQS is embedded. */
function awsKeyPair(s3: EmbeddedS3Server | undefined): { awsAccessKeyId: string; awsSecretAccessKey: string } {
  const { accessKeyId, secretAccessKey } = s3?.credentials ?? { accessKeyId: 'fauxqs', secretAccessKey: 'fauxqs' };
  return { awsAccessKeyId: accessKeyId, awsSecretAccessKey: secretAccessKey };
}

function present(services: EmbeddedServices): EmbeddedService[] {
  return [services.postgres, services.redis, services.sqs, services.s3].filter((service): service is NonNullable<typeof service> => service !== undefined);
}
