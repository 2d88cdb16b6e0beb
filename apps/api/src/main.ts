import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { UsersService } from '@lockbox/accounts';
import { LOCKBOX_CONFIG, type LockboxConfig, loadConfig } from '@lockbox/config';
import { runMigrations } from '@lockbox/db';
import { installProcessLogger } from '@lockbox/logging';
import { AppModule } from './app.module';
import { correlationIdMiddleware } from './common/correlation-id.middleware';
import { applyHttpServerLimits } from './common/http-server-limits';

import { requestLogMiddleware } from './common/request-log.middleware';
import { createValidationPipe } from './common/validation.pipe';
import { serveConsole } from './web/console-static';
import { securityHeaders } from './web/security-headers';

// JSON lines (pretty on a terminal) from here on, before the configuration is even read.
const log = installProcessLogger('api');

async function bootstrap(): Promise<void> {
  // Fail before anything starts when the configuration is wrong, naming every problem.
  const config = loadConfig();
  await runMigrations(config.database.url);

  const app = await NestFactory.create<NestExpressApplication>(AppModule, { bufferLogs: false, logger: log.nest });
  app.disable('x-powered-by');
  // Whose X-Forwarded-For names the client (LOCKBOX_TRUST_PROXY): nobody's by default, so no client can
  // choose the address its logins are throttled by.
  app.set('trust proxy', config.api.trustProxy);
  app.use(securityHeaders);
  app.use(correlationIdMiddleware);
  app.use(requestLogMiddleware);
  // The console (apps/web) from `/`, before the API's routes, which keep everything under /api.
  serveConsole(app);
  app.setGlobalPrefix('api/v1');
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();

  const document = SwaggerModule.createDocument(app, new DocumentBuilder().setTitle('Lockbox API').setVersion('v1').addBearerAuth().build());
  SwaggerModule.setup('api/docs', app, document);

  const { seedAdmin } = app.get<LockboxConfig>(LOCKBOX_CONFIG);
  if (seedAdmin) await app.get(UsersService).ensureExists(seedAdmin.email, seedAdmin.password, 'admin');

  // Before listening: Node reads how often to check header deadlines when the server starts.
  applyHttpServerLimits(app.getHttpServer(), config.api.http);
  await app.listen(config.api.port, config.api.host);
  Logger.log(`API listening on ${await app.getUrl()}`, 'Lockbox');
}

bootstrap().catch((error: unknown) => log.fail(error, 'the API could not start'));
