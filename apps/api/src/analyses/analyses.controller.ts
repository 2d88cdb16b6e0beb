import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { type Caller, CurrentCaller } from '../auth/auth.decorators';
import { type AnalysisDetailView, type CatalogueEntryView, toAnalysisDetailView } from './analysis.view';
import { CatalogueService } from './catalogue.service';
import { CatalogueQuery } from './dto/catalogue.query';

/** The published catalogue, open to every signed-in caller. */
@ApiTags('analyses')
@ApiBearerAuth()
@Controller('analyses')
export class AnalysesController {
  constructor(private readonly catalogue: CatalogueService) {}

  @Get()
  async list(@Query() query: CatalogueQuery): Promise<{ items: CatalogueEntryView[]; total: number; offset: number; limit: number }> {
    const { items, total } = await this.catalogue.search(query);
    return { items, total, offset: query.offset, limit: query.limit };
  }

  @Get(':slug')
  async get(@CurrentCaller() caller: Caller, @Param('slug') slug: string): Promise<AnalysisDetailView> {
    const { analysis, versions } = await this.catalogue.get(slug, caller.id);
    return toAnalysisDetailView(analysis, versions);
  }
}
