import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { type Caller, CurrentCaller, Roles } from '../auth/auth.decorators';
import { type AnalysisStats, AnalysisStatsService } from './analysis-stats.service';
import { SuspendVersionDto } from './dto/suspend-version.dto';
import { type SuspensionOutcome, SuspensionService } from './suspension.service';

/** What an analysis' developer and the admins do with a listing beyond the catalogue. */
@ApiTags('analyses')
@ApiBearerAuth()
@Controller('analyses')
export class AnalysisOperationsController {
  constructor(
    private readonly suspension: SuspensionService,
    private readonly statistics: AnalysisStatsService,
  ) {}

  /** Takes a published version off the catalogue and cancels its queued runs (`analysis_suspended`). */
  @Post(':slug/versions/:version/suspend')
  @Roles('admin')
  @HttpCode(200)
  async suspend(@CurrentCaller() caller: Caller, @Param('slug') slug: string, @Param('version') version: string, @Body() body: SuspendVersionDto): Promise<SuspensionOutcome> {
    return this.suspension.suspend(caller.id, slug, version, body.reason.trim());
  }

  /** Aggregate run figures for the analysis' own developer or an admin; never a user's data, result or logs. */
  @Get(':slug/stats')
  @Roles('developer', 'admin')
  async stats(@CurrentCaller() caller: Caller, @Param('slug') slug: string): Promise<AnalysisStats> {
    return this.statistics.stats(caller, slug);
  }
}
