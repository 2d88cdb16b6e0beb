import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional } from 'class-validator';
import { ANALYSIS_VERSION_STATUSES, type AnalysisVersionStatus } from '@lockbox/db';
import { PageQuery } from '../../common/page.query';

export class ListSubmissionsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ANALYSIS_VERSION_STATUSES, description: '`awaiting_review` gives the review queue' })
  @IsOptional()
  @IsIn(ANALYSIS_VERSION_STATUSES)
  status?: AnalysisVersionStatus;

  @ApiPropertyOptional({
    description: 'Admins only: `true` lists the versions whose runs or check ran out of attempts (quarantined), most recently flagged first',
  })
  @IsOptional()
  // Query values are strings; anything but true/false stays a string and fails @IsBoolean.
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  quarantined?: boolean;
}
