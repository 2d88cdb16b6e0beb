// lockbox pack: the image (docker save, by ID) and the manifest in one submission file.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { DEFAULT_PLATFORM_LIMITS } from '../../limits';
import { CliError } from '../cli-error';
import type { CliIo } from '../cli-io';
import { stringOption, type Command } from '../command';
import { docker } from '../docker-cli';
import { buildAnalysisImage, formatBytes } from '../image-build';
import type { AnalysisProject } from '../project';
import { loadProject } from '../project';
import { SUBMISSION_IMAGE_ENTRY, SUBMISSION_MANIFEST_ENTRY, writeSubmissionFile } from '../submission-file';

export function defaultSubmissionFile(project: AnalysisProject): string {
  return join(project.dir, `${project.manifest.name}-${project.manifest.version}.lockbox.tar`);
}

export interface PackedSubmission {
  path: string;
  imageId: string;
  imageBytes: number;
  layers: number;
}

/** Builds the image, saves it by ID and writes the submission file at `outPath`. */
export async function packProject(project: AnalysisProject, io: CliIo, outPath: string): Promise<PackedSubmission> {
  const image = await buildAnalysisImage(project, io.env, (line) => io.err(`${line}\n`));
  const layers = Number((await docker(['image', 'inspect', '--format', '{{len .RootFS.Layers}}', image.imageId])).stdout.trim());
  const work = await mkdtemp(join(tmpdir(), 'lockbox-pack-'));
  try {
    const imageTar = join(work, SUBMISSION_IMAGE_ENTRY);
    io.err(`saving ${image.imageId}\n`);
    // By ID, not by tag: the tarball names no repository, and the platform refers to images by ID anyway.
    await docker(['save', '--output', imageTar, image.imageId]);
    const { imageBytes } = await writeSubmissionFile(outPath, project.manifest, imageTar);
    if (imageBytes > DEFAULT_PLATFORM_LIMITS.imageTarballMaxBytes) {
      io.err(
        `warning: the image is ${formatBytes(imageBytes)}, over the platform's default cap of ${formatBytes(DEFAULT_PLATFORM_LIMITS.imageTarballMaxBytes)}\n`,
      );
    }
    return { path: outPath, imageId: image.imageId, imageBytes, layers };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export const packCommand: Command = {
  name: 'pack',
  brief: 'write the submission file (manifest + image)',
  synopsis: '[dir]',
  summary:
    'Builds the image and writes the submission file: a tar holding lockbox.json and image.tar (docker save of the image, by ID). Reports the image size.',
  details: `The file is a plain POSIX tar with exactly two entries, ${SUBMISSION_MANIFEST_ENTRY} first and then ${SUBMISSION_IMAGE_ENTRY};
lockbox submit sends them as the manifest and image parts of POST /submissions.`,
  options: {
    out: { type: 'string', short: 'o', value: 'file', description: 'where to write it (default <dir>/<name>-<version>.lockbox.tar)' },
  },
  minPositionals: 0,
  maxPositionals: 1,
  async run(args, io) {
    const project = await loadProject(io.cwd, args.positionals[0]);
    const out = stringOption(args, 'out');
    const outPath = out ? resolve(io.cwd, out) : defaultSubmissionFile(project);
    const packed = await packProject(project, io, outPath).catch((error: unknown) => {
      if (error instanceof CliError) throw error;
      throw new CliError(`cannot write ${outPath}: ${(error as Error).message}`);
    });
    io.err(`image ${packed.imageId}: ${formatBytes(packed.imageBytes)}, ${packed.layers} layers\n`);
    io.out(`${relative(io.cwd, packed.path) || packed.path}\n`);
    return 0;
  },
};
