import { Logger } from '@nestjs/common';
import { type LogSettings, loadLogSettings } from '@lockbox/config';
import { NestLogger } from './nest-logger';
import { createProcessLogger, type LockboxService, type ProcessLogger } from './process-logger';

export interface InstalledLogger {
  logger: ProcessLogger;
  /** For `NestFactory.create(…, { logger })`; already installed as Nest's logger. */
  nest: NestLogger;
  /** Logs why the process cannot go on, then exits with 1. */
  fail(error: unknown, message?: string): never;
}

/**
 * Makes the process's pino logger the one every `new Logger(Context)` writes to, before anything else
 * runs (so a refused start is a log line too), and logs uncaught errors before the process ends.
 * Call it first in a process's main.
 */
export function installProcessLogger(service: LockboxService, settings: LogSettings = loadLogSettings(), fd = 1): InstalledLogger {
  const logger = createProcessLogger({ service, fd, ...settings });
  const nest = new NestLogger(logger);
  Logger.overrideLogger(nest);
  const fail = (error: unknown, message = 'stopped by an error'): never => {
    logger.fatal({ err: error }, message);
    process.exit(1);
  };
  process.on('uncaughtException', (error) => fail(error, 'uncaught exception'));
  process.on('unhandledRejection', (reason) => fail(reason, 'unhandled promise rejection'));
  return { logger, nest, fail };
}
