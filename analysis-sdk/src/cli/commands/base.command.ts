// lockbox base build: the base image analyses build on, built locally and offline (apart from the npm registry).
import { spawn } from 'node:child_process';
import { CliError, UsageError } from '../cli-error';
import { stringOption, type Command } from '../command';
import { BASE_IMAGE_NODE_MAJORS, BASE_IMAGE_TAG, baseImageTag, type BaseImageNodeMajor } from '../docker-cli';
import { sdkAsset } from '../sdk-package';

export const BASE_IMAGE_SCRIPT = 'base-image.sh';

/** `--node 24` (the default) or `--node 20`. */
export function nodeMajorOption(text: string | undefined): BaseImageNodeMajor {
  if (text === undefined) return '24';
  const major = BASE_IMAGE_NODE_MAJORS.find((candidate) => candidate === text.replace(/^v/, ''));
  if (!major) throw new UsageError(`--node must be ${BASE_IMAGE_NODE_MAJORS.join(' or ')} (got '${text}')`);
  return major;
}

export const baseCommand: Command = {
  name: 'base',
  brief: `build the base image ${BASE_IMAGE_TAG} (or :20), offline`,
  synopsis: 'build',
  summary: `Builds ${BASE_IMAGE_TAG}, the image every analysis starts FROM, offline: it holds a pinned Node 24 release and the libraries it links, nothing else. --node 20 builds lockbox/node-base:20 for analyses whose Dockerfile still names it.`,
  details: `Nothing is pulled: the image is assembled FROM scratch with the classic builder. Its Node is the official
binary of a pinned release, fetched once with npm from the npm registry (package node-linux-<arch>) and
kept in ~/.cache/lockbox/node (LOCKBOX_NODE_CACHE), so every machine's image carries the same Node; the
C and C++ runtime libraries come from this machine. It is rebuilt only when its inputs (the release, the
libraries, the build script) change. Images already built on lockbox/node-base:20 keep running: the
platform runs an image as it was submitted. Needs Linux, Docker and npm.`,
  options: {
    node: { type: 'string', value: 'major', description: `the Node major of the image: ${BASE_IMAGE_NODE_MAJORS.join(' or ')} (default 24)` },
    force: { type: 'boolean', description: 'rebuild even when the image is up to date' },
  },
  minPositionals: 1,
  maxPositionals: 1,
  async run(args, io) {
    if (args.positionals[0] !== 'build') throw new UsageError(`unknown subcommand 'base ${args.positionals[0]}' (did you mean lockbox base build?)`);
    const major = nodeMajorOption(stringOption(args, 'node'));
    const tag = baseImageTag(major);
    const script = sdkAsset(BASE_IMAGE_SCRIPT);
    const scriptArgs = [script, '--node', major, ...(args.values.force ? ['--force'] : [])];
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn('bash', scriptArgs, { env: { ...io.env }, stdio: ['ignore', 'inherit', 'inherit'] });
      child.on('error', (error: NodeJS.ErrnoException) => reject(error.code === 'ENOENT' ? new CliError('bash was not found on PATH') : error));
      child.on('close', (exitCode) => resolve(exitCode ?? 1));
    });
    if (code !== 0) throw new CliError(`building ${tag} failed (exit code ${code})`);
    io.err(`${tag} is ready\n`);
    return 0;
  },
};
