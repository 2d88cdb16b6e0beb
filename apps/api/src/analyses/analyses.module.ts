import { Module } from '@nestjs/common';
import { DatabaseModule } from '@lockbox/db';
import { AnalysesController } from './analyses.controller';
import { CatalogueService } from './catalogue.service';

@Module({
  imports: [DatabaseModule],
  controllers: [AnalysesController],
  providers: [CatalogueService],
  exports: [CatalogueService],
})
export class AnalysesModule {}
