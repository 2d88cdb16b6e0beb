import { Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Req } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiPayloadTooLargeResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import type { Request } from 'express';
import { type Caller, CurrentCaller, Roles } from '../auth/auth.decorators';
import { PageQuery } from '../common/page.query';
import { DATASET_FORMATS, DATASET_NAME_MAX_CHARS } from './dataset-upload-fields';
import { DatasetService } from './dataset.service';
import { type DatasetSummaryView, type DatasetView, toDatasetSummaryView, toDatasetView } from './dataset.view';

/** Datasets belong to users; developers and admins never see them. */
@ApiTags('datasets')
@ApiBearerAuth()
@ApiForbiddenResponse({ description: 'The caller is not a user (developers and admins have no datasets)' })
@Roles('user')
@Controller('datasets')
export class DatasetController {
  constructor(private readonly datasets: DatasetService) {}

  /**
   * Streams the file to storage as received and queues its ingestion; poll the dataset (or listen to
   * events) for the outcome and its report. docs/data-formats.md describes every format.
   */
  @Post()
  @HttpCode(202)
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file', 'format'],
      properties: {
        file: {
          type: 'string',
          format: 'binary',
          description:
            'A platform\'s "download your data" ZIP (X, Reddit, Facebook, Instagram, Google Takeout), a CSV or JSONL file (or a ZIP of them) with a mapping, or Lockbox\'s canonical JSONL',
        },
        format: {
          type: 'string',
          enum: Object.keys(DATASET_FORMATS),
          description: "`auto` detects the export from the archive's contents and says what it found (`report.detected`)",
        },
        mapping: {
          type: 'string',
          description:
            'For `csv` and `jsonl` only, and required there: a JSON object `{kind, platform, fields, values?, timestampFormat?}` mapping source columns or fields to canonical fields',
        },
        name: { type: 'string', maxLength: DATASET_NAME_MAX_CHARS, description: 'Defaults to the file name' },
      },
    },
  })
  @ApiAcceptedResponse({ description: 'Stored; ingestion is queued (status `uploaded`)' })
  @ApiBadRequestResponse({
    description: 'No file, an empty file, an unsupported format, a missing or unusable mapping (the message names its problems) or a bad name',
  })
  @ApiPayloadTooLargeResponse({ description: 'The file is larger than the dataset upload limit' })
  @ApiTooManyRequestsResponse({
    description:
      'The caller has as many datasets, or as many bytes in them, as the quotas allow: the body names `quota` (`datasets` or `dataset_bytes`), `limit` and `inUse`',
  })
  async upload(@CurrentCaller() caller: Caller, @Req() request: Request): Promise<DatasetView> {
    return toDatasetView(await this.datasets.upload(caller.id, request));
  }

  /** The caller's datasets, newest first. */
  @Get()
  async list(
    @CurrentCaller() caller: Caller,
    @Query() page: PageQuery,
  ): Promise<{ items: DatasetSummaryView[]; total: number; offset: number; limit: number }> {
    const { items, total } = await this.datasets.list(caller.id, page.offset, page.limit);
    return { items: items.map(toDatasetSummaryView), total, offset: page.offset, limit: page.limit };
  }

  @Get(':id')
  @ApiOkResponse({
    description:
      'The dataset with its ingest `report` (null until ingested): the format read (and with `auto` what was found), records per kind, per file what was read, ' +
      'skipped (with line or element and reason) and failed, every file not read with why, the archive fault that failed it, and `alreadyPresent` (records ' +
      'already in your other datasets, which runs receive once)',
  })
  @ApiNotFoundResponse({ description: 'No such dataset of the caller' })
  async get(@CurrentCaller() caller: Caller, @Param('id', new ParseUUIDPipe()) id: string): Promise<DatasetView> {
    return toDatasetView(await this.datasets.get(caller.id, id));
  }

  /** Erases the upload and every curated copy of it, then the dataset. */
  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Erased' })
  @ApiNotFoundResponse({ description: 'No such dataset of the caller' })
  async delete(@CurrentCaller() caller: Caller, @Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    await this.datasets.delete(caller.id, id);
  }
}
