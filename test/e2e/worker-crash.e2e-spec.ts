import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { loadConfig } from '@lockbox/config';
import { dockerClientFor } from '@lockbox/sandbox';
import { publishTestAnalysis, type PublishedTestAnalysis } from '../support/analysis-images';
import { TEST_STACK_ENV } from '../support/global-setup';
import { logTail, repoRoot } from '../support/launcher';
import { api, createSession, eventually, type Session, upload } from '../support/session';

// A worker killed with SIGKILL in the middle of a run leaves its container, its output tmpfs and its
// staging directory behind. The orphan reaper of the stack's other worker removes all three once the dead
// worker's heartbeat goes stale, and the run finishes on a new attempt. The stack's PostgreSQL and Docker
// Engine are looked at directly: the API shows none of this.
const config = loadConfig();
const docker = dockerClientFor(config.docker.host);
const CONSENT = { scopes: { 'social.posts': ['timestamp', 'likes'] } };
const RESULT = '{"schemaVersion":1,"summary":"survived","blocks":[]}';

async function query<T>(sql: string, parameters: unknown[]): Promise<T[]> {
  const database = new Client({ connectionString: config.database.url });
  await database.connect();
  try {
    return (await database.query(sql, parameters)).rows as T[];
  } finally {
    await database.end();
  }
}

function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .filter((mountPoint) => mountPoint.startsWith(`${dir}/`));
}

/** One more worker of the test stack, consuming only runs, as `npm run worker` would start it. */
function startExtraWorker(env: Record<string, string> = {}): { child: ChildProcess; logPath: string } {
  const logPath = join(config.home, `extra-worker-${Date.now()}.log`);
  const log = openSync(logPath, 'a');
  const child = spawn(process.execPath, [join(repoRoot, 'dist/apps/worker/src/main.js')], {
    env: { ...process.env, ...TEST_STACK_ENV, LOCKBOX_HOME: config.home, LOCKBOX_WORKER_QUEUES: 'runs', ...env },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  return { child, logPath };
}

describe('a worker killed mid-run', () => {
  let user: Session;
  let sleeper: PublishedTestAnalysis;
  let datasetId: string;
  let extra: { child: ChildProcess; logPath: string } | undefined;

  beforeAll(async () => {
    user = await createSession('user');
    sleeper = await publishTestAnalysis({
      base: 'busybox',
      manifest: { title: 'Sleeper', entrypoint: ['/bin/sh', '-c', `echo started; sleep 10; echo '${RESULT}' > /output/result.json`] },
    });
    const record = { kind: 'social.posts', timestamp: '2026-01-05T18:20:00Z', platform: 'x', type: 'post', text: 'words', likes: 3 };
    const accepted = await upload(
      '/datasets',
      [
        { name: 'format', content: 'lockbox-jsonl' },
        { name: 'file', content: Buffer.from(JSON.stringify(record)), filename: 'export.jsonl', contentType: 'application/x-ndjson' },
      ],
      { token: user.token },
    );
    expect(accepted.status).toBe(202);
    datasetId = accepted.body.id;
    await eventually(
      async () => ((await api('GET', `/datasets/${datasetId}`, { token: user.token })).body.status === 'ready' ? true : undefined),
      60_000,
      'ingestion',
    );
  }, 300_000);

  afterAll(() => {
    if (extra && extra.child.exitCode === null && extra.child.signalCode === null) extra.child.kill('SIGKILL');
  });

  it('leaves no container, mount or staging directory behind, and the run finishes on a new attempt', async () => {
    extra = startExtraWorker();
    const pid = extra.child.pid!;
    const { id: extraId } = await eventually(
      async () => {
        const rows = await query<{ id: string }>(`SELECT id FROM worker_heartbeats WHERE pid = $1 AND stopped_at IS NULL`, [pid]);
        return rows[0];
      },
      60_000,
      `the extra worker's first heartbeat (log: ${extra.logPath})`,
    );

    // The stack's own worker takes at most its concurrency of these; the extra worker gets the rest.
    const runIds: string[] = [];
    for (let i = 0; i < 4; i++) {
      const accepted = await api('POST', '/runs', { token: user.token, body: { analysis: sleeper.slug, datasetIds: [datasetId], consent: CONSENT } });
      expect(accepted.status).toBe(202);
      runIds.push(accepted.body.id);
    }

    // The extra worker's output areas: mounted ahead in its stock, one given to each of its runs.
    const stockDir = join(config.home, 'work', 'output-areas', extraId);
    const victim = await eventually(
      async () => {
        const containers = await docker.listContainers({ filters: { label: [`lockbox.worker=${extraId}`, `lockbox.instance=${config.instanceId}`] } });
        const container = containers[0];
        if (!container) return undefined;
        const runId = container.Labels['lockbox.run']!;
        const stagingDir = join(config.home, 'work', 'runs', `${runId}-${container.Labels['lockbox.attempt']}`);
        const outputArea = container.Mounts.find((mount) => mount.Destination === '/output')?.Source;
        // Started, with its input staged and its output tmpfs mounted (from the worker's stock).
        return outputArea && existsSync(stagingDir) && mountsUnder(stockDir).includes(outputArea)
          ? { containerId: container.Id, runId, stagingDir }
          : undefined;
      },
      90_000,
      `a container of the extra worker (log: ${logTail(extra.logPath, 10)})`,
    );
    expect(runIds).toContain(victim.runId);
    expect(existsSync(victim.stagingDir)).toBe(true);

    extra.child.kill('SIGKILL');
    await once(extra.child, 'exit');

    await eventually(
      async () => {
        const containers = await docker.listContainers({ all: true, filters: { label: [`lockbox.worker=${extraId}`] } });
        const left = containers.length + mountsUnder(stockDir).length + (existsSync(stockDir) ? 1 : 0) + (existsSync(victim.stagingDir) ? 1 : 0);
        return left === 0 ? true : undefined;
      },
      90_000,
      "the reaper to remove the dead worker's container, output mounts (its run's and its stock's) and staging directory",
    );

    const finished = await eventually(
      async () => {
        const [run] = await query<{ status: string; attempts: number }>(`SELECT status, attempts FROM runs WHERE id = $1`, [victim.runId]);
        return run && !['queued', 'running'].includes(run.status) ? run : undefined;
      },
      240_000,
      `run ${victim.runId} to finish on a new attempt`,
    );
    expect(finished.status).toBe('succeeded');
    expect(finished.attempts).toBeGreaterThanOrEqual(2);
    expect((await api('GET', `/runs/${victim.runId}/result`, { token: user.token })).body.summary).toBe('survived');

    // Every run of the test ends, and no container of any of them is left.
    for (const runId of runIds) {
      await eventually(
        async () => (['queued', 'running'].includes((await api('GET', `/runs/${runId}`, { token: user.token })).body.status) ? undefined : true),
        240_000,
        `run ${runId}`,
      );
    }
    for (const runId of runIds) {
      expect(await docker.listContainers({ all: true, filters: { label: [`lockbox.run=${runId}`] } })).toEqual([]);
    }
  }, 600_000);
});

describe('a worker on a host that would weaken the sandbox', () => {
  it('refuses to start, saying why, and never takes a job', async () => {
    const refused = startExtraWorker({ DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    const [code] = (await once(refused.child, 'exit')) as [number | null];
    expect(code).toBe(1);
    expect(readFileSync(refused.logPath, 'utf8')).toMatch(/would weaken the sandbox[\s\S]*Docker Engine is unreachable/);
    expect(await query(`SELECT id FROM worker_heartbeats WHERE pid = $1`, [refused.child.pid])).toEqual([]);
  });
});
