// lockbox base build: the base image analyses build on, built locally and offline.
import { spawn } from 'node:child_process';
import { CliError, UsageError } from '../cli-error';
import type { Command } from '../command';
import { BASE_IMAGE_TAG } from '../docker-cli';
import { sdkAsset } from '../sdk-package';

export const BASE_IMAGE_SCRIPT = 'base-image.sh';

export const baseCommand: Command = {
  name: 'base',
  brief: 'build the base image lockbox/node-base:20, offline',
  synopsis: 'build',
  summary: `Builds ${BASE_IMAGE_TAG}, the image every analysis starts FROM, offline: it holds this machine's Node 20 and the libraries it links, nothing else.`,
  details: `Nothing is pulled: the image is assembled FROM scratch from files already on this machine, with
the classic builder. It is rebuilt only when its inputs (Node, its libraries, the build script) change.
Set LOCKBOX_NODE_BIN to use another Node 20 binary than the one on PATH. Needs Linux (amd64) and Docker.`,
  options: {
    force: { type: 'boolean', description: 'rebuild even when the image is up to date' },
  },
  minPositionals: 1,
  maxPositionals: 1,
  async run(args, io) {
    if (args.positionals[0] !== 'build') throw new UsageError(`unknown subcommand 'base ${args.positionals[0]}' (did you mean lockbox base build?)`);
    const script = sdkAsset(BASE_IMAGE_SCRIPT);
    const scriptArgs = args.values.force ? [script, '--force'] : [script];
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn('bash', scriptArgs, { env: { ...io.env }, stdio: ['ignore', 'inherit', 'inherit'] });
      child.on('error', (error: NodeJS.ErrnoException) => reject(error.code === 'ENOENT' ? new CliError('bash was not found on PATH') : error));
      child.on('close', (exitCode) => resolve(exitCode ?? 1));
    });
    if (code !== 0) throw new CliError(`building ${BASE_IMAGE_TAG} failed (exit code ${code})`);
    io.err(`${BASE_IMAGE_TAG} is ready\n`);
    return 0;
  },
};
