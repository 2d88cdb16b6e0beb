// lockbox submit: a submission file (or a project, packed on the way) to the platform, streamed.
import { openAsBlob } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LockboxClient } from '../../client';
import { DEFAULT_PLATFORM_LIMITS } from '../../limits';
import { validateManifest } from '../../manifest';
import { toCliError } from '../api-error';
import { CliError } from '../cli-error';
import type { Command } from '../command';
import { loadCredentials } from '../credentials';
import { formatBytes } from '../image-build';
import { loadProject, ManifestError } from '../project';
import { readSubmissionFile } from '../submission-file';
import { packProject } from './pack.command';
import { watchSubmission } from './status.command';

export const submitCommand: Command = {
  name: 'submit',
  brief: 'submit an analysis for review',
  synopsis: '[file-or-dir]',
  summary:
    'Submits an analysis to the platform you logged in to: a submission file from lockbox pack, or a project directory (packed first). Prints the submission ID.',
  details: `The image is streamed from the file, never held in memory. The platform answers at once for a bad
manifest, a file that is not an image or one over its size cap; deeper checks (image intake, a smoke
run) follow: see them with lockbox status <id> --watch, or pass --watch here.`,
  options: {
    watch: { type: 'boolean', short: 'w', description: 'follow the checks until they end (exit 1 if they fail)' },
  },
  minPositionals: 0,
  maxPositionals: 1,
  async run(args, io) {
    const credentials = await loadCredentials(io.env);
    const target = resolve(io.cwd, args.positionals[0] ?? '.');
    const info = await stat(target).catch(() => {
      throw new CliError(`${target} not found`);
    });
    let work: string | undefined;
    try {
      let file = target;
      if (info.isDirectory()) {
        const project = await loadProject(io.cwd, target);
        work = await mkdtemp(join(tmpdir(), 'lockbox-submit-'));
        file = (await packProject(project, io, join(work, 'submission.lockbox.tar'))).path;
      }
      const submission = await readSubmissionFile(file);
      // The platform would refuse it with 400; saying so before uploading saves the upload.
      const check = validateManifest(submission.manifest, DEFAULT_PLATFORM_LIMITS);
      if (!check.ok) throw new ManifestError(`${file}:lockbox.json`, check.errors);
      const { offset, size } = submission.image;
      const image = (await openAsBlob(file)).slice(offset, offset + size, 'application/x-tar');
      io.err(`submitting ${check.manifest.name} ${check.manifest.version} (${formatBytes(size)}) to ${credentials.url}\n`);
      const client = new LockboxClient(credentials.url, credentials.token);
      const submitted = await client.submitImage(image, check.manifest).catch((error: unknown) => {
        throw toCliError(error, credentials.url);
      });
      io.out(`${submitted.id}\n`);
      io.err(`submission ${submitted.id} is ${submitted.status}; follow it with lockbox status ${submitted.id} --watch\n`);
      if (args.values.watch) return await watchSubmission(client, submitted.id, io);
      return 0;
    } finally {
      if (work) await rm(work, { recursive: true, force: true });
    }
  },
};
