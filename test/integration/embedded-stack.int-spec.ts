import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListBucketsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, DeleteMessageCommand, ListQueuesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import Redis from 'ioredis';
import { Client } from 'pg';
import { loadConfig, readRuntimeFile } from '@lockbox/config';
import {
  type EmbeddedEndpoints,
  EmbeddedRedisServer,
  EmbeddedServiceError,
  type EmbeddedStack,
  type EmbeddedStackOptions,
  startEmbeddedStack,
} from '@lockbox/embedded';

const repoRoot = resolve(__dirname, '../..');

// Jest 30 takes testTimeout from the global config only; the integration project's own setting is ignored.
jest.setTimeout(120_000);

// ---- clients, as the platform's adapters configure them ----

async function query<T extends Record<string, unknown>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

function s3For(endpoints: EmbeddedEndpoints): S3Client {
  return new S3Client({
    endpoint: endpoints.s3Endpoint,
    region: endpoints.awsRegion,
    credentials: { accessKeyId: endpoints.awsAccessKeyId!, secretAccessKey: endpoints.awsSecretAccessKey! },
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

function sqsFor(endpoints: EmbeddedEndpoints): SQSClient {
  return new SQSClient({
    endpoint: endpoints.sqsEndpoint,
    region: endpoints.awsRegion,
    credentials: { accessKeyId: endpoints.awsAccessKeyId!, secretAccessKey: endpoints.awsSecretAccessKey! },
  });
}

async function getObjectBytes(s3: S3Client, bucket: string, key: string): Promise<Buffer> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await object.Body!.transformToByteArray());
}

async function redisPing(url: string): Promise<string> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await redis.connect();
    return await redis.ping();
  } finally {
    redis.disconnect();
  }
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolveAccepts) => {
    const socket = connect({ host, port });
    socket.setTimeout(1_000, () => {
      socket.destroy();
      resolveAccepts(false);
    });
    socket.once('connect', () => {
      socket.destroy();
      resolveAccepts(true);
    });
    socket.once('error', () => resolveAccepts(false));
  });
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

async function exitOf(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (!isRunning(child)) return;
  await Promise.race([once(child, 'exit'), new Promise((_, reject) => setTimeout(() => reject(new Error(`pid ${child.pid} still running`)), timeoutMs))]);
}

async function closedWithin(port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (await accepts('127.0.0.1', port)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolveSleep) => setTimeout(resolveSleep, 100));
  }
  return true;
}

/** mkdtemp makes the home 0700: as root, the stack must still let the postgres user reach its data. */
function tempHome(): string {
  return mkdtempSync(join(tmpdir(), 'lockbox-embedded-'));
}

// ---- extra stacks, cleaned up whatever happens ----

const extraStacks: EmbeddedStack[] = [];
const tempHomes: string[] = [];
const strayChildren: ChildProcess[] = [];

async function startExtraStack(home: string, include?: EmbeddedStackOptions['include']): Promise<EmbeddedStack> {
  const stack = await startEmbeddedStack({ home, include });
  extraStacks.push(stack);
  return stack;
}

afterAll(async () => {
  for (const child of strayChildren) if (isRunning(child)) child.kill('SIGKILL');
  await Promise.all(extraStacks.map((stack) => stack.stop()));
  for (const home of tempHomes) rmSync(home, { recursive: true, force: true });
});

describe('the test run’s embedded stack (jest global setup)', () => {
  const config = loadConfig();
  const runtime = readRuntimeFile(config.home)!;

  it('lives in a fresh home under .lockbox-test, recorded in runtime.json with a JWT secret, all readable by its owner only', () => {
    expect(config.home.startsWith(join(repoRoot, '.lockbox-test') + '/')).toBe(true);
    expect(runtime).toMatchObject({ version: 1, instanceId: config.instanceId, launcherPid: expect.any(Number), bucket: 'lockbox', queuePrefix: 'lockbox-' });
    expect(config.auth.jwtSecret.length).toBeGreaterThanOrEqual(32);
    for (const file of ['postgres-password', 'redis-password', 's3-credentials.json', 'runtime.json', 'jwt-secret']) {
      expect({ file, mode: statSync(join(config.home, file)).mode & 0o777 }).toEqual({ file, mode: 0o600 });
    }
    expect(statSync(config.home).mode & 0o007).toBe(0);
  });

  it('PostgreSQL answers on 127.0.0.1 in database lockbox', async () => {
    expect(new URL(config.database.url)).toMatchObject({ hostname: '127.0.0.1', pathname: '/lockbox' });
    expect(await query(config.database.url, 'SELECT 1 AS one, current_database() AS db')).toEqual([{ one: 1, db: 'lockbox' }]);
  });

  it('Redis answers PING', async () => {
    expect(await redisPing(config.redis.url)).toBe('PONG');
  });

  it('SQS creates a queue and delivers a message', async () => {
    const sqs = new SQSClient({ endpoint: config.sqs.endpoint, region: config.sqs.region, credentials: config.sqs.credentials });
    try {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `embedded-${randomUUID()}` }));
      const body = JSON.stringify({ type: 'run', id: randomUUID() });
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: body }));
      const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
      expect(Messages?.map((message) => message.Body)).toEqual([body]);
      await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: Messages![0]!.ReceiptHandle }));
    } finally {
      sqs.destroy();
    }
  });

  it('S3 stores and returns an object byte for byte', async () => {
    const s3 = s3For(runtime);
    try {
      const bucket = `embedded-${randomUUID()}`;
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      const bytes = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, index) => index)), randomBytes(64 * 1024)]);
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'raw/some user/ünïcode.bin', Body: bytes }));
      expect((await getObjectBytes(s3, bucket, 'raw/some user/ünïcode.bin')).equals(bytes)).toBe(true);
    } finally {
      s3.destroy();
    }
  });

  it('listens on loopback only', async () => {
    const ports = [runtime.databaseUrl!, runtime.redisUrl!, runtime.sqsEndpoint!, runtime.s3Endpoint!].map(portOf);
    for (const port of ports) expect(await accepts('127.0.0.1', port)).toBe(true);
    const external = Object.values(networkInterfaces())
      .flat()
      .find((address) => address && address.family === 'IPv4' && !address.internal);
    // A machine without a non-loopback address has nothing to check here.
    if (!external) return;
    for (const port of ports) expect(await accepts(external.address, port)).toBe(false);
  });
});

/** Every path under `home` whose mode lets anyone but its owner in, symbolic links aside; the home itself may grant its group search only. */
function pathsOpenToOthers(home: string): string[] {
  const open: string[] = [];
  const visit = (path: string): void => {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) return;
    const allowed = path === home ? 0o010 : 0;
    if ((stat.mode & 0o077 & ~allowed) !== 0) open.push(`${path} ${(stat.mode & 0o777).toString(8)}`);
    if (stat.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
  };
  visit(home);
  return open;
}

/** One raw RESP command over TCP, as any local process could send it: the first reply line. */
function redisReply(port: number, ...command: string[]): Promise<string> {
  return new Promise((resolveReply, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    socket.setTimeout(2_000, () => socket.destroy(new Error('no reply')));
    socket.once('error', reject);
    socket.once('connect', () => socket.write(`*${command.length}\r\n${command.map((part) => `$${Buffer.byteLength(part)}\r\n${part}\r\n`).join('')}`));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) {
        socket.destroy();
        resolveReply(reply.split('\r\n')[0]!);
      }
    });
  });
}

describe('an embedded stack is private to its owner', () => {
  let stack: EmbeddedStack;
  let home: string;

  beforeAll(async () => {
    home = tempHome();
    tempHomes.push(home);
    // What an earlier version, or a copy made with a loose umask, leaves behind.
    mkdirSync(join(home, 's3', 'lockbox', 'raw'), { recursive: true, mode: 0o755 });
    writeFileSync(join(home, 's3', 'lockbox', 'raw', 'someone.jsonl'), '{"kind":"social.posts"}\n', { mode: 0o644 });
    writeFileSync(join(home, 'jwt-secret'), 'x'.repeat(64), { mode: 0o644 });
    chmodSync(home, 0o755);
    chmodSync(join(home, 's3'), 0o777);
    symlinkSync('/etc/hostname', join(home, 'a-link'));
    stack = await startExtraStack(home);
  });

  it('leaves no file or directory of its home open to group or others, fixing an existing home on start', () => {
    expect(pathsOpenToOthers(home)).toEqual([]);
    expect(statSync(join(home, 's3', 'lockbox', 'raw', 'someone.jsonl')).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, 'redis', 'redis.conf')).mode & 0o777).toBe(0o600);
    expect(statSync(home).mode & 0o007).toBe(0);
    // A symbolic link is neither followed nor changed.
    expect(lstatSync(join(home, 'a-link')).isSymbolicLink()).toBe(true);
    expect(statSync('/etc/hostname').mode & 0o004).toBe(0o004);
  });

  it('writes what the services store (S3 objects) private to its owner', async () => {
    const s3 = s3For(stack.endpoints);
    try {
      await s3.send(new CreateBucketCommand({ Bucket: 'private' }));
      await s3.send(new PutObjectCommand({ Bucket: 'private', Key: 'raw/user 1/export.zip', Body: randomBytes(1024) }));
    } finally {
      s3.destroy();
    }
    expect(pathsOpenToOthers(home)).toEqual([]);
  });

  it('Redis answers its password only, with CONFIG disabled, and never shows the password on a command line', async () => {
    const port = portOf(stack.endpoints.redisUrl!);
    const password = decodeURIComponent(new URL(stack.endpoints.redisUrl!).password);
    expect(password).toBe(readFileSync(join(home, 'redis-password'), 'utf8').trim());
    expect(await redisReply(port, 'PING')).toMatch(/^-NOAUTH/);
    expect(await redisReply(port, 'AUTH', 'not-the-password')).toMatch(/^-(WRONGPASS|ERR)/);
    expect(await redisPing(stack.endpoints.redisUrl!)).toBe('PONG');
    const redis = new Redis(stack.endpoints.redisUrl!, { maxRetriesPerRequest: 0 });
    try {
      await expect(redis.call('CONFIG', 'SET', 'dir', '/tmp')).rejects.toThrow(/unknown command/);
    } finally {
      redis.disconnect();
    }
    const redisPid = Number(readFileSync(join(home, 'pids', 'redis.pid'), 'utf8'));
    expect(readFileSync(`/proc/${redisPid}/cmdline`, 'utf8')).not.toContain(password);
  });

  it('S3 serves requests signed with its generated key pair only: not unsigned, not S3RVER/S3RVER, not a wrong secret', async () => {
    const { awsAccessKeyId, awsSecretAccessKey, s3Endpoint } = stack.endpoints;
    expect(awsAccessKeyId).not.toBe('S3RVER');
    expect(JSON.parse(readFileSync(join(home, 's3-credentials.json'), 'utf8'))).toEqual({ accessKeyId: awsAccessKeyId, secretAccessKey: awsSecretAccessKey });
    const owner = s3For(stack.endpoints);
    await owner.send(new PutObjectCommand({ Bucket: 'private', Key: 'raw/secret.json', Body: 'personal data' }));
    expect((await getObjectBytes(owner, 'private', 'raw/secret.json')).toString()).toBe('personal data');
    owner.destroy();

    const unsigned = await fetch(`${s3Endpoint}/private/raw/secret.json`);
    expect(unsigned.status).toBe(403);
    expect(await unsigned.text()).not.toContain('personal data');
    expect((await fetch(`${s3Endpoint}/`)).status).toBe(403);

    const strangers = [
      { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      { accessKeyId: awsAccessKeyId!, secretAccessKey: `${awsSecretAccessKey}x` },
    ];
    for (const credentials of strangers) {
      const stranger = s3For({ ...stack.endpoints, awsAccessKeyId: credentials.accessKeyId, awsSecretAccessKey: credentials.secretAccessKey });
      try {
        await expect(getObjectBytes(stranger, 'private', 'raw/secret.json')).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
        await expect(stranger.send(new PutObjectCommand({ Bucket: 'private', Key: 'raw/forged.json', Body: 'x' }))).rejects.toMatchObject({
          $metadata: { httpStatusCode: 403 },
        });
      } finally {
        stranger.destroy();
      }
    }
    expect(existsSync(join(home, 's3', 'private', 'raw', 'forged.json._S3rver_object'))).toBe(false);
  });
});

describe('embedded stacks of their own', () => {
  it('keeps PostgreSQL rows, S3 objects and waiting SQS messages across a stop and a start in the same home', async () => {
    const home = tempHome();
    tempHomes.push(home);
    const bytes = randomBytes(200_000);
    const first = await startExtraStack(home);
    await query(first.endpoints.databaseUrl!, 'CREATE TABLE kept (id int PRIMARY KEY, note text)');
    await query(first.endpoints.databaseUrl!, "INSERT INTO kept VALUES (1, 'survives a restart')");
    const s3 = s3For(first.endpoints);
    await s3.send(new CreateBucketCommand({ Bucket: 'lockbox' }));
    await s3.send(new PutObjectCommand({ Bucket: 'lockbox', Key: 'results/run-1.json', Body: bytes }));
    s3.destroy();
    const sqs = sqsFor(first.endpoints);
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'lockbox-runs' }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: '{"type":"run","id":"waiting"}' }));
    sqs.destroy();
    const firstPassword = readFileSync(join(home, 'postgres-password'), 'utf8');
    await first.stop();
    expect(existsSync(join(home, 'pids', 'postgres.pid'))).toBe(false);
    expect(existsSync(join(home, 'postgres', 'postmaster.pid'))).toBe(false);

    const second = await startExtraStack(home);
    expect(readFileSync(join(home, 'postgres-password'), 'utf8')).toBe(firstPassword);
    expect(await query(second.endpoints.databaseUrl!, 'SELECT id, note FROM kept')).toEqual([{ id: 1, note: 'survives a restart' }]);
    const s3Again = s3For(second.endpoints);
    try {
      expect((await getObjectBytes(s3Again, 'lockbox', 'results/run-1.json')).equals(bytes)).toBe(true);
    } finally {
      s3Again.destroy();
    }
    // The new stack has another port; the queue URL's host does not matter to the endpoint.
    const sqsAgain = sqsFor(second.endpoints);
    try {
      const { Messages } = await sqsAgain.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
      expect(Messages?.map((message) => message.Body)).toEqual(['{"type":"run","id":"waiting"}']);
    } finally {
      sqsAgain.destroy();
    }
  });

  it('restarts single services on the same port: PostgreSQL keeps its rows, Redis answers, SQS keeps its queues and messages until its state is discarded', async () => {
    const home = tempHome();
    tempHomes.push(home);
    const stack = await startExtraStack(home);
    const { postgres, redis, sqs } = stack.services;
    const before = stack.endpoints;
    await query(before.databaseUrl!, 'CREATE TABLE restarted (id int)');
    const client = sqsFor(before);
    try {
      const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: 'lockbox-runs' }));
      await client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'sent before the restart' }));

      await postgres!.stop();
      await expect(query(before.databaseUrl!, 'SELECT 1')).rejects.toThrow();
      await postgres!.start();
      expect(await query(before.databaseUrl!, 'SELECT count(*)::int AS n FROM restarted')).toEqual([{ n: 0 }]);

      await redis!.stop();
      expect(await accepts('127.0.0.1', portOf(before.redisUrl!))).toBe(false);
      await redis!.start();
      expect(await redisPing(before.redisUrl!)).toBe('PONG');

      await sqs!.stop();
      await sqs!.start();
      const { Messages } = await client.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
      expect(Messages?.map((message) => message.Body)).toEqual(['sent before the restart']);
      // Only while stopped: a running endpoint would write its state back.
      expect(() => sqs!.discardState()).toThrow(/stop the embedded sqs/);

      await sqs!.stop();
      sqs!.discardState();
      await sqs!.start();
      expect((await client.send(new ListQueuesCommand({}))).QueueUrls ?? []).toEqual([]);
      expect(stack.endpoints).toEqual(before);
    } finally {
      client.destroy();
    }
  });

  it('gives a second stack in another home other ports and none of the first’s data', async () => {
    const [homeA, homeB] = [tempHome(), tempHome()];
    tempHomes.push(homeA, homeB);
    const [a, b] = await Promise.all([startExtraStack(homeA), startExtraStack(homeB)]);
    const portsA = [a.endpoints.databaseUrl!, a.endpoints.redisUrl!, a.endpoints.sqsEndpoint!, a.endpoints.s3Endpoint!].map(portOf);
    const portsB = [b.endpoints.databaseUrl!, b.endpoints.redisUrl!, b.endpoints.sqsEndpoint!, b.endpoints.s3Endpoint!].map(portOf);
    expect(new Set([...portsA, ...portsB]).size).toBe(8);

    await query(a.endpoints.databaseUrl!, 'CREATE TABLE only_in_a (id int)');
    expect(await query(b.endpoints.databaseUrl!, "SELECT to_regclass('only_in_a') AS found")).toEqual([{ found: null }]);
    const [s3A, s3B] = [s3For(a.endpoints), s3For(b.endpoints)];
    const [sqsA, sqsB] = [sqsFor(a.endpoints), sqsFor(b.endpoints)];
    try {
      await s3A.send(new CreateBucketCommand({ Bucket: 'lockbox' }));
      expect((await s3B.send(new ListBucketsCommand({}))).Buckets ?? []).toEqual([]);
      await sqsA.send(new CreateQueueCommand({ QueueName: 'lockbox-runs' }));
      expect((await sqsB.send(new ListQueuesCommand({}))).QueueUrls ?? []).toEqual([]);
    } finally {
      [s3A, s3B, sqsA, sqsB].forEach((client) => client.destroy());
    }
  });

  it('names the service that failed to start and shows the tail of its log', async () => {
    const home = tempHome();
    tempHomes.push(home);
    const redis = new EmbeddedRedisServer({ home, command: 'redis-server-that-is-not-installed' });
    const failure = redis.start();
    await expect(failure).rejects.toThrow(EmbeddedServiceError);
    await expect(failure).rejects.toThrow(/^embedded redis did not start: [^]*last lines of .*redis\.log[^]*redis-server-that-is-not-installed/);
    expect(redis.running).toBe(false);
    expect(existsSync(join(home, 'pids', 'redis.pid'))).toBe(false);
  });

  it('stops a service an earlier stack in the same home left running, and nothing else', async () => {
    const home = tempHome();
    tempHomes.push(home);
    mkdirSync(join(home, 'redis'), { recursive: true });
    mkdirSync(join(home, 'pids'), { recursive: true });
    // A redis-server as the stack runs it, not stopped by anyone, its pid file in place.
    const leftover = spawn('redis-server', ['--bind', '127.0.0.1', '--port', '0', '--save', '', '--dir', join(home, 'redis')], {
      cwd: join(home, 'redis'),
      stdio: 'ignore',
    });
    strayChildren.push(leftover);
    writeFileSync(join(home, 'pids', 'redis.pid'), `${leftover.pid}\n`);
    // A pid file naming a process that is not this home's service (a reused pid): it must survive.
    const unrelated = spawn('sleep', ['600'], { cwd: tmpdir(), stdio: 'ignore' });
    strayChildren.push(unrelated);
    writeFileSync(join(home, 'pids', 's3.pid'), `${unrelated.pid}\n`);

    const stack = await startExtraStack(home, { redis: true, s3: true, postgres: false, sqs: false });
    await exitOf(leftover, 5_000);
    expect(isRunning(unrelated)).toBe(true);
    expect(await redisPing(stack.endpoints.redisUrl!)).toBe('PONG');
    // The pid file now names this stack's s3rver, running in <home>/s3.
    const s3Pid = Number(readFileSync(join(home, 'pids', 's3.pid'), 'utf8'));
    expect(s3Pid).not.toBe(unrelated.pid);
    expect(readlinkSync(`/proc/${s3Pid}/cwd`)).toBe(realpathSync(join(home, 's3')));
  });

  it('starts PostgreSQL over a stale postmaster.pid whose pid now belongs to another postgres-user process', async () => {
    const home = tempHome();
    tempHomes.push(home);
    const first = await startExtraStack(home, { postgres: true, redis: false, sqs: false, s3: false });
    await first.stop();
    // As root the cluster runs as the postgres user, whose own live process PostgreSQL would take for
    // the owner of the lock; unprivileged, it runs as us.
    const owner = statSync(join(home, 'postgres'));
    const impostor = spawn('sleep', ['600'], { cwd: tmpdir(), stdio: 'ignore', uid: owner.uid, gid: owner.gid });
    strayChildren.push(impostor);
    writeFileSync(join(home, 'postgres', 'postmaster.pid'), `${impostor.pid}\n${join(home, 'postgres')}\n`);

    const second = await startExtraStack(home, { postgres: true, redis: false, sqs: false, s3: false });
    expect(await query(second.endpoints.databaseUrl!, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
    expect(isRunning(impostor)).toBe(true);
  });

  it('leaves nothing running when the process that started a stack is killed with SIGKILL, and the home starts again', async () => {
    const home = tempHome();
    tempHomes.push(home);
    const launcher = spawnLauncher(home);
    strayChildren.push(launcher.child);
    const endpoints = await launcher.endpoints;
    await query(endpoints.databaseUrl!, "CREATE TABLE before_kill AS SELECT 'kept' AS note");

    launcher.child.kill('SIGKILL');
    await exitOf(launcher.child, 5_000);
    const ports = [endpoints.databaseUrl!, endpoints.redisUrl!, endpoints.sqsEndpoint!, endpoints.s3Endpoint!].map(portOf);
    for (const port of ports) expect(await closedWithin(port, 15_000)).toBe(true);

    const again = await startExtraStack(home);
    expect(await query(again.endpoints.databaseUrl!, 'SELECT note FROM before_kill')).toEqual([{ note: 'kept' }]);
  });
});

/**
 * A separate Node process that starts a stack the way `npm run up` does, compiling the TypeScript
 * sources on the fly (SWC, with the path aliases) as jest does, and prints the endpoints.
 */
function spawnLauncher(home: string): { child: ChildProcess; endpoints: Promise<EmbeddedEndpoints> } {
  const script = `
    const { addHook } = require('pirates');
    const { transformSync } = require('@swc/core');
    const { compilerOptions } = JSON.parse(require('node:fs').readFileSync(${JSON.stringify(join(repoRoot, 'tsconfig.json'))}, 'utf8'));
    addHook((code, filename) => transformSync(code, {
      filename, module: { type: 'commonjs' },
      jsc: { target: 'es2022', baseUrl: ${JSON.stringify(repoRoot)}, paths: compilerOptions.paths, parser: { syntax: 'typescript' } },
    }).code, { exts: ['.ts'] });
    const { startEmbeddedStack } = require(${JSON.stringify(join(repoRoot, 'libs/embedded/src/embedded-stack.ts'))});
    startEmbeddedStack({ home: ${JSON.stringify(home)} }).then(
      (stack) => { process.stdout.write(JSON.stringify(stack.endpoints) + '\\n'); setInterval(() => undefined, 60_000); },
      (error) => { console.error(error); process.exit(1); },
    );`;
  const child = spawn(process.execPath, ['-e', script], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const endpoints = new Promise<EmbeddedEndpoints>((resolveEndpoints, reject) => {
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('\n')) resolveEndpoints(JSON.parse(stdout.split('\n')[0]!) as EmbeddedEndpoints);
    });
    child.once('exit', (code) => reject(new Error(`the launcher exited (${code}): ${stderr}`)));
  });
  return { child, endpoints };
}
