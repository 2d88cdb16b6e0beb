import { Module } from '@nestjs/common';
import { AccountsModule } from '@lockbox/accounts';
import { MeController } from '../me/me.controller';
import { UsersController } from './users.controller';

@Module({
  imports: [AccountsModule],
  controllers: [MeController, UsersController],
})
export class UsersModule {}
