import { Module } from '@nestjs/common';
import { AccountsModule } from '@lockbox/accounts';
import { DatabaseModule } from '@lockbox/db';
import { EventsModule } from '@lockbox/events';
import { AuthModule } from '../auth/auth.module';
import { MeController } from '../me/me.controller';
import { UsersController } from './users.controller';

@Module({
  imports: [AccountsModule, DatabaseModule, EventsModule, AuthModule],
  controllers: [MeController, UsersController],
})
export class UsersModule {}
