import { Body, Controller, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe, Post, Query, Res, StreamableFile } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiProduces,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { RUN_REASONS, RUN_STATUSES } from '@lockbox/db';
import { type Caller, CurrentCaller, Roles } from '../auth/auth.decorators';
import { PageQuery } from '../common/page.query';
import { CreateRunDto } from './dto/create-run.dto';
import type { RunView } from './run.view';
import { RunsService } from './runs.service';

/** The run vocabulary, as the OpenAPI document states it (ARCHITECTURE §3). */
const RUN_VIEW_DESCRIPTION =
  `A run of yours. \`status\`: ${RUN_STATUSES.join(', ')}. \`reason\`, when it did not succeed: ${RUN_REASONS.join(', ')}. ` +
  '`attempts_exhausted` (failed): its attempts kept killing or stalling the worker running them, until the platform stopped trying (LOCKBOX_JOB_MAX_ATTEMPTS).';

@ApiTags('runs')
@ApiBearerAuth()
@Controller('runs')
export class RunsController {
  constructor(private readonly runs: RunsService) {}

  @Post()
  @Roles('user')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiAcceptedResponse({ description: 'The run is queued' })
  @ApiNotFoundResponse({ description: 'No such published analysis version, or a dataset that is not yours' })
  @ApiConflictResponse({ description: 'A dataset is not ready' })
  @ApiTooManyRequestsResponse({
    description: 'The caller has as many runs queued or running as the quota allows (`quota`: `active_runs`, with `limit` and `inUse`)',
  })
  async create(@CurrentCaller() caller: Caller, @Body() body: CreateRunDto): Promise<RunView> {
    return this.runs.create(caller.id, body);
  }

  @Get()
  @ApiOkResponse({ description: `A page of your runs, newest first. ${RUN_VIEW_DESCRIPTION}` })
  async list(@CurrentCaller() caller: Caller, @Query() page: PageQuery): Promise<{ items: RunView[]; total: number; offset: number; limit: number }> {
    const { items, total } = await this.runs.list(caller.id, page.offset, page.limit);
    return { items, total, offset: page.offset, limit: page.limit };
  }

  @Get(':id')
  @ApiOkResponse({ description: RUN_VIEW_DESCRIPTION })
  @ApiNotFoundResponse({ description: 'No such run of yours' })
  async get(@CurrentCaller() caller: Caller, @Param('id', new ParseUUIDPipe()) id: string): Promise<RunView> {
    return this.runs.get(caller.id, id);
  }

  @Get(':id/result')
  @ApiOkResponse({ description: 'The validated result document' })
  @ApiConflictResponse({ description: 'The run has not succeeded' })
  async result(@CurrentCaller() caller: Caller, @Param('id', new ParseUUIDPipe()) id: string): Promise<unknown> {
    return this.runs.result(caller.id, id);
  }

  @Get(':id/logs')
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: "The analysis' stdout and stderr as kept (capped)" })
  @ApiNotFoundResponse({ description: 'No such run of yours, or no logs yet' })
  async logs(
    @CurrentCaller() caller: Caller,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Res({ passthrough: true }) response: Response,
  ): Promise<StreamableFile> {
    const stream = await this.runs.logs(caller.id, id);
    // Written by third-party code: never let a browser take it for anything but text.
    response.setHeader('X-Content-Type-Options', 'nosniff');
    return new StreamableFile(stream, { type: 'text/plain; charset=utf-8', disposition: 'inline' });
  }

  @Get(':id/artifacts/:name')
  @ApiOkResponse({ description: 'One file the analysis wrote to /output/artifacts/ (name URI-encoded: charts%2Fweek.svg), as a download' })
  @ApiNotFoundResponse({ description: 'No such run of yours, or no such artifact' })
  async artifact(
    @CurrentCaller() caller: Caller,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('name') name: string,
    @Res({ passthrough: true }) response: Response,
  ): Promise<StreamableFile> {
    const { stream, artifact } = await this.runs.artifact(caller.id, id, name);
    // Written by third-party code: a download, typed by the platform, never rendered as a page.
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
    const filename = artifact.name.split('/').pop()!;
    return new StreamableFile(stream, { type: artifact.contentType, length: artifact.bytes, disposition: `attachment; filename="${filename}"` });
  }

  /** 200 when a queued run was cancelled at once; 202 when a running one was asked to stop. */
  @Post(':id/cancel')
  @ApiOkResponse({ description: 'The queued run is cancelled' })
  @ApiAcceptedResponse({ description: 'The running run will be stopped by its worker' })
  @ApiConflictResponse({ description: 'The run has already finished' })
  async cancel(
    @CurrentCaller() caller: Caller,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Res({ passthrough: true }) response: Response,
  ): Promise<RunView> {
    const outcome = await this.runs.cancel(caller.id, id);
    response.status(outcome === 'cancelled' ? HttpStatus.OK : HttpStatus.ACCEPTED);
    return this.runs.get(caller.id, id);
  }
}
