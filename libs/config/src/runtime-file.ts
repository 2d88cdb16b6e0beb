import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What a running embedded stack tells the processes that join it (`npm run worker`, the CLI, tests):
 * the endpoints it started. Written atomically by the launcher, read by `loadConfig`.
 */
export interface RuntimeFile {
  version: 1;
  instanceId: string;
  launcherPid: number;
  startedAt: string;
  apiUrl?: string;
  databaseUrl?: string;
  redisUrl?: string;
  sqsEndpoint?: string;
  s3Endpoint?: string;
  awsRegion?: string;
  awsAccessKeyId?: string;
  awsSecretAccessKey?: string;
  bucket?: string;
  queuePrefix?: string;
}

export function runtimeFilePath(home: string): string {
  return join(home, 'runtime.json');
}

export function readRuntimeFile(home: string): RuntimeFile | undefined {
  let text: string;
  try {
    text = readFileSync(runtimeFilePath(home), 'utf8');
  } catch {
    return undefined;
  }
  const parsed = JSON.parse(text) as RuntimeFile;
  return parsed.version === 1 ? parsed : undefined;
}

export function writeRuntimeFile(home: string, runtime: RuntimeFile): void {
  mkdirSync(home, { recursive: true });
  const path = runtimeFilePath(home);
  writeFileSync(`${path}.tmp`, JSON.stringify(runtime, null, 2), { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}
