import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@lockbox/config';
import { WorkerModule } from './worker.module';

/** A worker has no HTTP server: it is an application context that consumes the queues. */
async function bootstrap(): Promise<void> {
  // Fail before anything starts when the configuration is wrong, naming every problem.
  loadConfig();
  const app = await NestFactory.createApplicationContext(WorkerModule);
  app.enableShutdownHooks();
  await app.init();
  Logger.log('worker started', 'Lockbox');
}

bootstrap().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
