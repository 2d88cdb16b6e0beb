import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { ANALYSIS_VERSION_STATUSES, type AnalysisVersionStatus } from '@lockbox/db';
import { PageQuery } from '../../common/page.query';

export class ListSubmissionsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ANALYSIS_VERSION_STATUSES, description: '`awaiting_review` gives the review queue' })
  @IsOptional()
  @IsIn(ANALYSIS_VERSION_STATUSES)
  status?: AnalysisVersionStatus;
}
