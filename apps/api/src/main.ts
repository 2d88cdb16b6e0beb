import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { UsersService } from '@lockbox/accounts';
import { LOCKBOX_CONFIG, type LockboxConfig, loadConfig } from '@lockbox/config';
import { runMigrations } from '@lockbox/db';
import { AppModule } from './app.module';
import { correlationIdMiddleware } from './common/correlation-id.middleware';
import { createValidationPipe } from './common/validation.pipe';
import { serveConsole } from './web/console-static';
import { securityHeaders } from './web/security-headers';

async function bootstrap(): Promise<void> {
  // Fail before anything starts when the configuration is wrong, naming every problem.
  const config = loadConfig();
  await runMigrations(config.database.url);

  const app = await NestFactory.create<NestExpressApplication>(AppModule, { bufferLogs: false });
  app.disable('x-powered-by');
  // Whose X-Forwarded-For names the client (LOCKBOX_TRUST_PROXY): nobody's by default, so no client can
  // choose the address its logins are throttled by.
  app.set('trust proxy', config.api.trustProxy);
  app.use(securityHeaders);
  app.use(correlationIdMiddleware);
  // The console (apps/web) from `/`, before the API's routes, which keep everything under /api.
  serveConsole(app);
  app.setGlobalPrefix('api/v1');
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder().setTitle('Lockbox API').setVersion('v1').addBearerAuth().build(),
  );
  SwaggerModule.setup('api/docs', app, document);

  const { seedAdmin } = app.get<LockboxConfig>(LOCKBOX_CONFIG);
  if (seedAdmin) await app.get(UsersService).ensureExists(seedAdmin.email, seedAdmin.password, 'admin');

  await app.listen(config.api.port, config.api.host);
  Logger.log(`API listening on ${await app.getUrl()}`, 'Lockbox');
}

bootstrap().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
