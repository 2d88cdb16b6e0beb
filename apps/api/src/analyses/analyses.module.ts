import { Module } from '@nestjs/common';
import { DatabaseModule } from '@lockbox/db';
import { EventsModule } from '@lockbox/events';
import { AnalysesController } from './analyses.controller';
import { AnalysisOperationsController } from './analysis-operations.controller';
import { AnalysisStatsService } from './analysis-stats.service';
import { CatalogueService } from './catalogue.service';
import { SuspensionService } from './suspension.service';

@Module({
  imports: [DatabaseModule, EventsModule],
  controllers: [AnalysesController, AnalysisOperationsController],
  providers: [CatalogueService, SuspensionService, AnalysisStatsService],
  exports: [CatalogueService],
})
export class AnalysesModule {}
