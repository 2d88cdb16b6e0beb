import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';

export class ApproveSubmissionDto {
  @ApiPropertyOptional({ maxLength: 2000, description: 'A note to the developer' })
  @IsOptional()
  @IsString()
  @Matches(/\S/, { message: 'reason must not be blank' })
  @MaxLength(2000)
  reason?: string;
}
