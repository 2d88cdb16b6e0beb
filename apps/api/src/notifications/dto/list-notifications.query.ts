import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';
import { PageQuery } from '../../common/page.query';

export class ListNotificationsQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Only notifications not read yet', default: false })
  @IsOptional()
  // Query values are strings; anything but true/false stays a string and fails @IsBoolean.
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  unread?: boolean;
}
