import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { AccountsModule, jwtSigningKey } from '@lockbox/accounts';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import { DatabaseModule } from '@lockbox/db';
import { EventsModule } from '@lockbox/events';
import { AuthController } from './auth.controller';
import { AuthGuard } from './auth.guard';
import { AuthService } from './auth.service';
import { BrowserSessionService } from './browser-session.service';
import { SessionController } from './session.controller';
import { CallerCache } from './caller-cache';
import { EventTicketService } from './event-ticket.service';
import { LoginThrottleService } from './login-throttle.service';

@Module({
  imports: [
    AccountsModule,
    DatabaseModule,
    EventsModule,
    JwtModule.registerAsync({
      inject: [LOCKBOX_CONFIG],
      useFactory: (config: LockboxConfig) => ({ secret: jwtSigningKey(config.auth.jwtSecret), signOptions: { algorithm: 'HS256' } }),
    }),
  ],
  controllers: [AuthController, SessionController],
  providers: [AuthService, LoginThrottleService, EventTicketService, CallerCache, BrowserSessionService, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [AuthService, EventTicketService, BrowserSessionService, CallerCache],
})
export class AuthModule {}
