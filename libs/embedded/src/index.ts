export { EmbeddedStack, startEmbeddedStack, type EmbeddedEndpoints, type EmbeddedServices, type EmbeddedStackOptions } from './embedded-stack';
export { EmbeddedPostgresServer, type EmbeddedPostgresOptions } from './postgres';
export { EmbeddedRedisServer, type EmbeddedRedisOptions } from './redis';
export { EmbeddedS3Server, S3RVER_CREDENTIALS, type EmbeddedS3Options } from './s3';
export { EmbeddedSqsServer, type EmbeddedSqsOptions } from './sqs';
export { EmbeddedServiceError, parentDeathWrapper, type EmbeddedService, type EmbeddedServiceName, type StackLog } from './service-process';
export { findFreePort } from './free-port';
