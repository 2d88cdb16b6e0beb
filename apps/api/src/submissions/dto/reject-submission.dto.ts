import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches, MaxLength } from 'class-validator';

export class RejectSubmissionDto {
  @ApiProperty({ maxLength: 2000, description: 'Why, for the developer: it is shown on the submission and in their notification' })
  @IsString()
  @Matches(/\S/, { message: 'reason must not be blank' })
  @MaxLength(2000)
  reason: string;
}
