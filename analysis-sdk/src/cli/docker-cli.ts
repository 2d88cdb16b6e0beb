// The docker CLI, for what a developer would type by hand: build, save, image inspect. The sandbox run
// itself goes through the Engine API (dockerode), exactly as on a worker.
import { spawn } from 'node:child_process';
import { CliError } from './cli-error';

/** The base image new analyses start FROM. */
export const BASE_IMAGE_TAG = 'lockbox/node-base:24';
/** Node majors `lockbox base build --node` can build: 24, and 20 for analyses written before 24. */
export const BASE_IMAGE_NODE_MAJORS = ['24', '20'] as const;
export type BaseImageNodeMajor = (typeof BASE_IMAGE_NODE_MAJORS)[number];
const BASE_IMAGE_REPOSITORY = 'lockbox/node-base';

export function baseImageTag(major: BaseImageNodeMajor): string {
  return `${BASE_IMAGE_REPOSITORY}:${major}`;
}

/** The `lockbox/node-base:<major>` images a Dockerfile's FROM lines name, e.g. ['lockbox/node-base:20']. */
export function baseImagesOf(dockerfile: string): string[] {
  const found = new Set<string>();
  for (const match of dockerfile.matchAll(/^\s*FROM\s+(?:--platform=\S+\s+)?(lockbox\/node-base:\S+)/gim)) found.add(match[1]!);
  return [...found];
}

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
      else
        reject(
          engineUnreachable(result.stderr) ??
            new CliError(`docker ${args[0]} failed (exit code ${code}):\n${result.stderr.trim().split('\n').slice(-15).join('\n')}`),
        );
    });
  });
}

/** The image's ID, or undefined when the engine does not have it. */
export async function imageId(reference: string, env?: NodeJS.ProcessEnv): Promise<string | undefined> {
  try {
    return (await docker(['image', 'inspect', '--format', '{{.Id}}', reference], { env })).stdout.trim();
  } catch (error) {
    if (error instanceof CliError && /No such image/i.test(error.message)) return undefined;
    throw error;
  }
}

/** The docker CLI's words for an engine it cannot talk to, as what to do about it. */
export function engineUnreachable(stderr: string): CliError | undefined {
  if (/Cannot connect to the Docker daemon|Is the docker daemon running|error during connect/i.test(stderr)) {
    return new CliError('the Docker Engine does not answer: start it (e.g. sudo systemctl start docker), or point DOCKER_HOST at a running one');
  }
  if (/permission denied.*docker\.sock|docker\.sock.*permission denied/i.test(stderr)) {
    return new CliError('no permission to use the Docker Engine: add your user to the docker group (then log in again), or run as root');
  }
  return undefined;
}
