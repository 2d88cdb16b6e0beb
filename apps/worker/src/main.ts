import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@lockbox/config';
import { installProcessLogger } from '@lockbox/logging';
import { WorkerModule } from './worker.module';

// JSON lines (pretty on a terminal) from here on, before the configuration is even read.
const log = installProcessLogger('worker');

/** A worker has no HTTP server: it is an application context that consumes the queues. */
async function bootstrap(): Promise<void> {
  // Fail before anything starts when the configuration is wrong, naming every problem.
  loadConfig();
  const app = await NestFactory.createApplicationContext(WorkerModule, { logger: log.nest });
  app.enableShutdownHooks();
  await app.init();
  Logger.log('worker started', 'Lockbox');
}

bootstrap().catch((error: unknown) => log.fail(error, 'the worker could not start'));
