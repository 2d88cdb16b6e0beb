import { createSecretKey } from 'node:crypto';
import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { AccountsModule } from '@lockbox/accounts';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import { EventsModule } from '@lockbox/events';
import { AuthController } from './auth.controller';
import { AuthGuard } from './auth.guard';
import { AuthService } from './auth.service';
import { EventTicketService } from './event-ticket.service';
import { LoginThrottleService } from './login-throttle.service';

@Module({
  imports: [
    AccountsModule,
    EventsModule,
    JwtModule.registerAsync({
      inject: [LOCKBOX_CONFIG],
      // A KeyObject, made once: given the secret as a string, jsonwebtoken first tries to parse it as a public
      // key on every sign and verify (and catches the failure), which cost the API most of its CPU under load.
      useFactory: (config: LockboxConfig) => ({ secret: createSecretKey(Buffer.from(config.auth.jwtSecret, 'utf8')), signOptions: { algorithm: 'HS256' } }),
    }),
  ],
  controllers: [AuthController],
  providers: [AuthService, LoginThrottleService, EventTicketService, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [EventTicketService],
})
export class AuthModule {}
