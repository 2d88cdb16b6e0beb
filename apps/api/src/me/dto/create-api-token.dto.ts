import { ApiPropertyOptional, ApiProperty } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';

export class CreateApiTokenDto {
  @ApiProperty({ example: 'laptop CLI' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this rejects
  @Matches(/^[^\u0000-\u001f]*$/, { message: 'name must not contain control characters' })
  name: string;

  @ApiPropertyOptional({ description: 'Days until the token expires; never when omitted', minimum: 1, maximum: 3650 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3650)
  expiresInDays?: number;
}
