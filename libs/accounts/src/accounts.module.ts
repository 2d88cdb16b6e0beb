import { Module } from '@nestjs/common';
import { DatabaseModule } from '@lockbox/db';
import { ApiTokensService } from './api-tokens.service';
import { UsersService } from './users.service';

@Module({
  imports: [DatabaseModule],
  providers: [UsersService, ApiTokensService],
  exports: [UsersService, ApiTokensService],
})
export class AccountsModule {}
