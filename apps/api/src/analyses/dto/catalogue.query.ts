import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { ANALYSIS_CATEGORIES, type AnalysisCategory } from '@lockbox/analysis-sdk';
import { PageQuery } from '../../common/page.query';

export class CatalogueQuery extends PageQuery {
  @ApiPropertyOptional({ maxLength: 100, description: 'Words to find in the title, description or name' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  q?: string;

  @ApiPropertyOptional({ enum: ANALYSIS_CATEGORIES })
  @IsOptional()
  @IsIn(ANALYSIS_CATEGORIES)
  category?: AnalysisCategory;
}
