import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
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
  async suspend(
    @CurrentCaller() caller: Caller,
    @Param('slug') slug: string,
    @Param('version') version: string,
    @Body() body: SuspendVersionDto,
  ): Promise<SuspensionOutcome> {
    return this.suspension.suspend(caller.id, slug, version, body.reason.trim());
  }

  /**
   * Run figures for the analysis' own developer or an admin: coarse and late, so that none moves because
   * of one person's run (weekly-figures.ts); admins also get the exact figures.
   */
  @Get(':slug/stats')
  @Roles('developer', 'admin')
  @ApiOkResponse({
    description:
      'Per closed ISO week (UTC, by request time), published a delay after the week ended and never changed after: ' +
      'figures only for weeks in which at least `method.minPeople` distinct people ran the analysis (else `people: "<10"` and nothing more); ' +
      'each person counts with their first `method.runsPerPerson` runs of the week; every count rounded to the nearest `method.roundTo`; ' +
      'failure reasons named only when at least `roundTo` runs ended so, the rest added up as `other`; container times only as counts per bucket. ' +
      'The week in progress is never shown. `exact` (every run, unrounded) is for admins only.',
    schema: {
      example: {
        analysis: 'social-engagement',
        method: {
          weeks: 'ISO 8601 weeks, UTC, by the time each run was requested',
          minPeople: 10,
          roundTo: 10,
          runsPerPerson: 1,
          publishDelayHours: 24,
          durationBuckets: ['under1s', 'from1to10s', 'from10to60s', 'over60s'],
        },
        weeks: [
          {
            week: '2026-W48',
            startsOn: '2026-11-23',
            publishedAt: '2026-12-01T09:12:44.120Z',
            people: '≥10',
            runs: 120,
            byStatus: { succeeded: 110, failed: 10, timed_out: 0, cancelled: 0, unfinished: 0 },
            failureReasons: { exit_code: 10, other: 0 },
            durations: { under1s: 0, from1to10s: 100, from10to60s: 20, over60s: 0 },
          },
          { week: '2026-W47', startsOn: '2026-11-16', publishedAt: '2026-12-01T09:12:44.120Z', people: '<10' },
        ],
      },
    },
  })
  @ApiForbiddenResponse({ description: 'The caller is a user, not a developer or an admin' })
  @ApiNotFoundResponse({ description: "No such analysis of the caller's (another developer's analysis is not found either)" })
  async stats(@CurrentCaller() caller: Caller, @Param('slug') slug: string): Promise<AnalysisStats> {
    return this.statistics.stats(caller, slug);
  }
}
