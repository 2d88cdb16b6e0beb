// The docker CLI, for what a developer would type by hand: build, save, image inspect. The sandbox run
// itself goes through the Engine API (dockerode), exactly as on a worker.
import { spawn } from 'node:child_process';
import { CliError } from './cli-error';

export const BASE_IMAGE_TAG = 'lockbox/node-base:20';

export interface DockerResult {
  stdout: string;
  stderr: string;
}

/** Runs `docker <args>`; rejects with a CliError holding the end of its stderr when it fails. */
export function docker(args: readonly string[], options: { env?: NodeJS.ProcessEnv } = {}): Promise<DockerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', args, { env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'ENOENT' ? new CliError('the docker CLI was not found on PATH: install Docker Engine') : error);
    });
    child.on('close', (code) => {
      const result = { stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') };
      if (code === 0) resolve(result);
      else reject(new CliError(`docker ${args[0]} failed (exit code ${code}):\n${result.stderr.trim().split('\n').slice(-15).join('\n')}`));
    });
  });
}

/** The image's ID, or undefined when the engine does not have it. */
export async function imageId(reference: string): Promise<string | undefined> {
  try {
    return (await docker(['image', 'inspect', '--format', '{{.Id}}', reference])).stdout.trim();
  } catch (error) {
    if (error instanceof CliError && /No such image/i.test(error.message)) return undefined;
    throw error;
  }
}
