import { Body, Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import type { Request } from 'express';
import type { Readable } from 'node:stream';
import { type Manifest, MANIFEST_MAX_BYTES } from '@lockbox/analysis-sdk';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import { DomainError } from '@lockbox/errors';
import { type Caller, CurrentCaller, Roles } from '../auth/auth.decorators';
import { parseMultipart } from '../common/multipart';
import { ApproveSubmissionDto } from './dto/approve-submission.dto';
import { ListSubmissionsQuery } from './dto/list-submissions.query';
import { RejectSubmissionDto } from './dto/reject-submission.dto';
import { type StoredUpload, SubmissionService } from './submission.service';
import { toSubmissionView, type SubmissionView } from './submission.view';

@ApiTags('submissions')
@ApiBearerAuth()
@Controller('submissions')
export class SubmissionsController {
  constructor(
    @Inject(LOCKBOX_CONFIG) private readonly config: LockboxConfig,
    private readonly submissions: SubmissionService,
  ) {}

  /**
   * Multipart: `manifest` (lockbox.json, as a text field or a file part) and then `image` (the `docker save`
   * tarball). The manifest must come first: it is validated before a byte of the image is stored, and it
   * names where the image goes.
   */
  @Post()
  @Roles('developer')
  @HttpCode(202)
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['manifest', 'image'],
      properties: {
        manifest: { type: 'string', description: 'lockbox.json (a text field or a file part), sent before the image' },
        image: { type: 'string', format: 'binary', description: 'docker save output, optionally gzip-compressed' },
      },
    },
  })
  @ApiTooManyRequestsResponse({
    description:
      'The developer has as many submissions waiting for checks or review as the quota allows (`quota`: `pending_submissions`, with `limit` and `inUse`)',
  })
  async submit(@CurrentCaller() caller: Caller, @Req() request: Request): Promise<SubmissionView> {
    // Before a byte of the body is read: a developer at the quota is answered at once.
    await this.submissions.assertRoomForSubmission(caller.id);
    const { manifest, upload } = await this.receive(caller, request);
    return toSubmissionView(await this.submissions.record(caller.id, manifest, upload));
  }

  @Get()
  @Roles('developer', 'admin')
  async list(
    @CurrentCaller() caller: Caller,
    @Query() query: ListSubmissionsQuery,
  ): Promise<{ items: SubmissionView[]; total: number; offset: number; limit: number }> {
    const { items, total } = await this.submissions.list(caller, query);
    return { items: items.map((item) => toSubmissionView(item, caller)), total, offset: query.offset, limit: query.limit };
  }

  @Get(':id')
  @Roles('developer', 'admin')
  async get(@CurrentCaller() caller: Caller, @Param('id', new ParseUUIDPipe()) id: string): Promise<SubmissionView> {
    return toSubmissionView(await this.submissions.get(caller, id), caller);
  }

  @Post(':id/approve')
  @Roles('admin')
  @HttpCode(200)
  async approve(@CurrentCaller() caller: Caller, @Param('id', new ParseUUIDPipe()) id: string, @Body() body: ApproveSubmissionDto): Promise<SubmissionView> {
    return toSubmissionView(await this.submissions.review(caller.id, id, 'approve', body.reason?.trim() ?? null), caller);
  }

  @Post(':id/reject')
  @Roles('admin')
  @HttpCode(200)
  async reject(@CurrentCaller() caller: Caller, @Param('id', new ParseUUIDPipe()) id: string, @Body() body: RejectSubmissionDto): Promise<SubmissionView> {
    return toSubmissionView(await this.submissions.review(caller.id, id, 'reject', body.reason.trim()), caller);
  }

  /**
   * Reads the multipart body: validates the manifest, streams the image to S3. Leaves nothing stored when
   * it fails. The parser refuses a second manifest or image part (a manifest sent as a field and as a
   * file too), an unknown part and a body declared larger than the caps allow, before storing anything.
   */
  private async receive(caller: Caller, request: Request): Promise<{ manifest: Manifest; upload: StoredUpload }> {
    let manifestFile: Promise<string> | undefined;
    let manifest: Manifest | undefined;
    let upload: StoredUpload | undefined;
    try {
      const { fields } = await parseMultipart<void>(request, {
        files: { manifest: { maxBytes: MANIFEST_MAX_BYTES }, image: { maxBytes: this.config.limits.imageTarballMaxBytes } },
        fields: { manifest: { maxBytes: MANIFEST_MAX_BYTES } },
        handleFile: async (file, fieldsSoFar) => {
          if (file.fieldName === 'manifest') {
            manifestFile = readText(file.stream);
            await manifestFile;
            return;
          }
          const text = fieldsSoFar.manifest ?? (await manifestFile);
          if (text === undefined) throw new DomainError('invalid', 'Send the manifest part before the image part');
          manifest = this.submissions.parseManifest(text);
          upload = await this.submissions.storeImage(caller.id, manifest, file.stream);
        },
      });
      const text = fields.manifest ?? (await manifestFile);
      if (text === undefined) throw new DomainError('invalid', 'The manifest part is required');
      // Without an image, the manifest's own problems are still worth reporting.
      manifest ??= this.submissions.parseManifest(text);
      if (!upload) throw new DomainError('invalid', 'The image part is required');
      return { manifest, upload };
    } catch (error) {
      if (upload) await this.submissions.discardUpload(upload.key);
      throw error;
    }
  }
}

/** The part's size is capped by the multipart parser (413 past the cap). */
async function readText(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}
