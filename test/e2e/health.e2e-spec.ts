import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { readRuntimeFile } from '@lockbox/config';
import { repoRoot } from '../support/launcher';
import { api, apiUrl, createSession } from '../support/session';

/** Every process under `root` (itself included), from /proc: pid, executable and command line. */
function processTree(root: number): { pid: number; exe: string; command: string }[] {
  const parents = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // "pid (comm) state ppid …": the name may hold spaces and parentheses, so read after the last ")".
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(name)]);
    } catch {
      // gone meanwhile
    }
  }
  const tree: { pid: number; exe: string; command: string }[] = [];
  for (const pending = [root]; pending.length > 0;) {
    const pid = pending.pop()!;
    try {
      tree.push({ pid, exe: readlinkSync(`/proc/${pid}/exe`), command: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ') });
    } catch {
      continue;
    }
    pending.push(...(parents.get(pid) ?? []));
  }
  return tree;
}

describe('health and docs', () => {
  it('tells anonymous callers up or down, and nothing more', async () => {
    const response = await api('GET', '/health');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'up' });
  });

  it('shows every dependency and the worker with its engine and runtimes to admins only (GET /health/details)', async () => {
    expect((await api('GET', '/health/details')).status).toBe(401);
    for (const role of ['user', 'developer'] as const) {
      expect((await api('GET', '/health/details', { token: (await createSession(role)).token })).status).toBe(403);
    }
    const response = await api('GET', '/health/details', { token: (await createSession('admin')).token });
    expect(response.status).toBe(200);
    expect(response.body.status).toBe('ok');
    for (const name of ['postgres', 'sqs', 's3', 'redis']) expect(response.body.checks[name].status).toBe('up');
    expect(response.body.workers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          engine: expect.objectContaining({ reachable: true, version: expect.any(String) }),
          runtimes: expect.arrayContaining(['runc']),
        }),
      ]),
    );
  });

  it('shows admins only the job queues with their depths and dead letters, and redrives a queue (GET /admin/queues …)', async () => {
    for (const role of ['user', 'developer'] as const) {
      const token = (await createSession(role)).token;
      expect((await api('GET', '/admin/queues', { token })).status).toBe(403);
      expect((await api('GET', '/admin/queues/runs/dead-letters', { token })).status).toBe(403);
      expect((await api('POST', '/admin/queues/runs/redrive', { token, body: {} })).status).toBe(403);
    }
    const token = (await createSession('admin')).token;
    const queues = await api('GET', '/admin/queues', { token });
    expect(queues.status).toBe(200);
    expect(queues.body.items.map((queue: { name: string }) => queue.name)).toEqual(['runs', 'ingest', 'checks']);
    for (const queue of queues.body.items) expect(queue).toEqual({ name: queue.name, depth: expect.any(Number), deadLetters: expect.any(Number) });
    const letters = await api('GET', '/admin/queues/checks/dead-letters', { token });
    expect(letters.status).toBe(200);
    expect(Array.isArray(letters.body.items)).toBe(true);
    const redriven = await api('POST', '/admin/queues/checks/redrive', { token, body: {} });
    expect(redriven.status).toBe(200);
    expect(redriven.body).toEqual({ queue: 'checks', moved: expect.any(Number) });
    const unknown = await api('POST', '/admin/queues/nope/redrive', { token, body: {} });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ statusCode: 404, error: 'Not Found', message: 'No queue "nope"; the queues are runs, ingest, checks' });
  });

  it('runs the launcher, the API, the worker and the Node services of the stack on the pinned Node', () => {
    const pinned = `v${readFileSync(join(repoRoot, '.node-version'), 'utf8').trim()}`;
    expect(process.version).toBe(pinned);
    const { launcherPid } = readRuntimeFile(process.env.LOCKBOX_HOME!)!;
    const nodes = processTree(launcherPid).filter((entry) => /\/node$/.test(entry.exe));
    expect(nodes.map((entry) => entry.command)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('dist/apps/launcher/src/main.js'),
        expect.stringContaining('dist/apps/api/src/main.js'),
        expect.stringContaining('dist/apps/worker/src/main.js'),
        expect.stringContaining('fauxqs'),
      ]),
    );
    // Asked of each binary itself, not taken from its path.
    for (const exe of new Set(nodes.map((entry) => entry.exe)))
      expect({ exe, version: execFileSync(exe, ['--version'], { encoding: 'utf8' }).trim() }).toEqual({ exe, version: pinned });
  });

  it('answers GET /ping without a token and without asking any dependency', async () => {
    const response = await api('GET', '/ping');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  it('serves the OpenAPI document', async () => {
    const response = await fetch(`${apiUrl()}/api/docs-json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/api/v1/auth/login', '/api/v1/me/tokens', '/api/v1/me/password', '/api/v1/health', '/api/v1/health/details', '/api/v1/ping']),
    );
  });

  it('answers unknown routes with the error contract', async () => {
    const response = await api('GET', '/no-such-route');
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
  });
});

describe('deny by default', () => {
  const PUBLIC_ROUTES = ['POST /api/v1/auth/register', 'POST /api/v1/auth/login', 'POST /api/v1/auth/session', 'GET /api/v1/health', 'GET /api/v1/ping'];

  it('answers 401 without a token on every documented route except the public ones', async () => {
    const document = (await (await fetch(`${apiUrl()}/api/docs-json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const open: string[] = [];
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const method of Object.keys(operations)) {
        const route = `${method.toUpperCase()} ${path}`;
        const url = `${apiUrl()}${path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000')}`;
        const response = await fetch(url, {
          method: method.toUpperCase(),
          headers: { 'content-type': 'application/json' },
          body: ['get', 'head'].includes(method) ? undefined : '{}',
        });
        if (response.status !== 401) open.push(`${route} → ${response.status}`);
      }
    }
    expect(open.filter((entry) => !PUBLIC_ROUTES.some((route) => entry.startsWith(`${route} `)))).toEqual([]);
  });
});
