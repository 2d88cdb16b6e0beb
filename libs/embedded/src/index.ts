export { EmbeddedStack, startEmbeddedStack, type EmbeddedEndpoints, type EmbeddedServices, type EmbeddedStackOptions } from './embedded-stack';
export { EmbeddedPostgresServer, type EmbeddedPostgresOptions } from './postgres';
export { EmbeddedRedisServer, type EmbeddedRedisOptions } from './redis';
export { EmbeddedS3Server, type EmbeddedS3Options, type S3Credentials } from './s3';
export { EmbeddedSqsServer, type EmbeddedSqsOptions } from './sqs';
export { EmbeddedServiceError, parentDeathWrapper, type EmbeddedService, type EmbeddedServiceName, type StackLog } from './service-process';
export { findFreePort } from './free-port';
export { makeStatePrivate, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, PRIVATE_UMASK, withPrivateUmask } from './private-state';
