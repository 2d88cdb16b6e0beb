import 'reflect-metadata';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEMO_DEVELOPER, isLoopbackHost, type SeededAccount } from '@lockbox/accounts';
import { LockboxClient } from '@lockbox/analysis-sdk/client';
import { defaultHome, ensureJwtSecretFile, instanceIdFor, loadConfig, type LockboxConfig, readRuntimeFile, writeRuntimeFile } from '@lockbox/config';
import { type EmbeddedStack, PRIVATE_UMASK, startEmbeddedStack } from '@lockbox/embedded';
import { installProcessLogger } from '@lockbox/logging';
import { DockerEngineRepository, dockerClientFor } from '@lockbox/sandbox';
import { PlatformProcess } from './child-process';
import { operatorSession } from './operator-session';
import { prepareStack } from './prepare-stack';
import { findSampleAnalyses, publishSample } from './sample-analyses';
import { echoStyleFor } from './terminal-echo';
import { WorkerSupervisor } from './worker-supervisor';

const distRoot = resolve(__dirname, '../../..');
const repoRoot = resolve(distRoot, '..');
const SHUTDOWN_GRACE_MS = 30_000;

// What the platform's libraries log in this process (a queue or storage warning) is structured like the
// API's and the workers' lines; the launcher's own messages below stay plain sentences for people.
installProcessLogger('launcher');

function log(message: string): void {
  console.log(`lockbox: ${message}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * `npm run up`: starts whatever the environment does not provide (PostgreSQL, SQS, S3, Redis) as the
 * embedded default, prepares it (migrations, queues, bucket, seed), then runs the API and
 * `LOCKBOX_WORKERS` workers, restarting a worker that dies.
 */
async function main(): Promise<void> {
  // Everything the stack writes (its home: data, logs, credentials) is its owner's alone; the API and
  // the workers inherit this.
  process.umask(PRIVATE_UMASK);
  const env = process.env;
  const home = defaultHome(env);
  const previous = readRuntimeFile(home);
  if (previous && previous.launcherPid !== process.pid && isAlive(previous.launcherPid)) {
    throw new Error(`a stack is already running in ${home} (pid ${previous.launcherPid}); use \`npm run worker\` to add a worker`);
  }

  const include = {
    postgres: !env.DATABASE_URL,
    redis: !env.REDIS_URL,
    sqs: !env.AWS_REGION && !env.AWS_ENDPOINT_URL_SQS,
    s3: !env.LOCKBOX_S3_BUCKET,
  };
  const embedded = Object.entries(include)
    .filter(([, start]) => start)
    .map(([name]) => name);
  log(embedded.length ? `starting embedded ${embedded.join(', ')} in ${home}` : 'using external services only');
  const stack = await startEmbeddedStack({ home, include, log });
  try {
    await startPlatform(home, stack);
  } catch (error) {
    await stack.stop();
    throw error;
  }
}

async function startPlatform(home: string, stack: EmbeddedStack): Promise<void> {
  const env = process.env;
  if (!env.JWT_SECRET) ensureJwtSecretFile(home);
  const apiHost = env.HOST || '127.0.0.1';
  const apiPort = Number(env.PORT || 3000);
  const apiUrl = `http://${apiHost}:${apiPort}`;
  writeRuntimeFile(home, {
    version: 1,
    instanceId: instanceIdFor(home),
    launcherPid: process.pid,
    startedAt: new Date().toISOString(),
    apiUrl,
    ...stack.endpoints,
  });

  const processes: Array<{ stop(graceMs: number): Promise<void> }> = [];
  let shuttingDown = false;
  const shutdown = async (exitCode: number): Promise<void> => {
    if (shuttingDown) return;
    shuttingDown = true;
    log('stopping…');
    for (const child of [...processes].reverse()) await child.stop(SHUTDOWN_GRACE_MS);
    await stack.stop();
    log('stopped');
    process.exit(exitCode);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  try {
    const config = loadConfig({ ...env, LOCKBOX_HOME: home });
    const seeded = await prepareStack(config, log);

    const childEnv = { ...env, LOCKBOX_HOME: home, PORT: String(apiPort), HOST: apiHost };
    const echo = echoStyleFor(env);
    const api = new PlatformProcess('api', join(distRoot, 'apps/api/src/main.js'), childEnv, join(home, 'logs'), echo);
    processes.push(api);
    api.start((how) => {
      log(`api exited unexpectedly (${how}); see ${join(home, 'logs', 'api.log')}`);
      void shutdown(1);
    });
    await waitForHealth(apiUrl);
    const workers = new WorkerSupervisor(config.launcher.workers, join(distRoot, 'apps/worker/src/main.js'), childEnv, join(home, 'logs'), echo, log);
    processes.push(workers);
    workers.start((reason) => {
      log(reason);
      void shutdown(1);
    });
    const admin = await operatorSession(config, new LockboxClient(apiUrl));
    await waitForWorker(admin);
    if (isLoopbackHost(apiHost)) await publishSamples(config, apiUrl, admin);
    else log(`the sample analyses are published only on a loopback HOST, where the demo developer exists (HOST is ${apiHost})`);
    printReady(apiUrl, seeded, config.launcher.workers, isLoopbackHost(apiHost));
  } catch (error) {
    console.error(`lockbox: ${error instanceof Error ? error.message : String(error)}`);
    await shutdown(1);
  }
}

/** The sample analyses go through submission, checks and approval like any other, the demo developer submitting. */
async function publishSamples(config: LockboxConfig, apiUrl: string, admin: LockboxClient): Promise<void> {
  const developer = await new LockboxClient(apiUrl).login(DEMO_DEVELOPER.email, DEMO_DEVELOPER.password);
  const engine = new DockerEngineRepository(dockerClientFor(config.docker.host));
  for (const sample of findSampleAnalyses(repoRoot)) {
    const label = `${sample.manifest.name}@${sample.manifest.version}`;
    try {
      const outcome = await publishSample(engine, developer, admin, sample, join(config.home, 'samples'));
      log(`sample analysis ${label}: ${outcome}`);
    } catch (error) {
      log(`sample analysis ${label} was not published: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/** The workers are among the health details, which only an admin may read. */
async function waitForWorker(admin: LockboxClient): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const health = await admin.request<{ workers?: unknown[] }>('GET', '/health/details').catch(() => ({ workers: [] }));
    if ((health.workers?.length ?? 0) > 0) return;
    await sleep(250);
  }
  throw new Error('the worker did not report a heartbeat within 60 s');
}

async function waitForHealth(apiUrl: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${apiUrl}/api/v1/health`);
      if (response.status === 200 || response.status === 503) return;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  throw new Error(`the API did not answer on ${apiUrl} within 60 s`);
}

function printReady(apiUrl: string, seeded: SeededAccount[], workers: number, loopback: boolean): void {
  const lines = [
    '',
    'Lockbox is up.',
    `  Console    ${apiUrl}/`,
    `  API        ${apiUrl}/api/v1`,
    `  API docs   ${apiUrl}/api/docs`,
    `  Health     ${apiUrl}/api/v1/health`,
    `  Workers    ${workers} (LOCKBOX_WORKERS); one that dies is restarted`,
    '',
    'Accounts:',
    ...seeded.map(
      (account) =>
        `  ${account.role.padEnd(10)} ${account.email}${account.password ? `  password: ${account.password}` : ''}${account.note ? `  (${account.note})` : ''}`,
    ),
    ...(loopback ? [] : ['  (no demo accounts: the API does not listen on loopback)']),
    '',
    'Press Ctrl-C to stop. `npm run worker` adds a worker.',
    '',
  ];
  console.log(lines.join('\n'));
}

main().catch((error: unknown) => {
  console.error(`lockbox: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
