import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches, MaxLength } from 'class-validator';

export class SuspendVersionDto {
  @ApiProperty({ maxLength: 2000, description: 'Why, for the developer and the users whose queued runs are cancelled' })
  @IsString()
  @Matches(/\S/, { message: 'reason must not be blank' })
  @MaxLength(2000)
  reason: string;
}
