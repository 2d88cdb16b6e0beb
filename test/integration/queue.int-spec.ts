import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { DeleteQueueCommand, GetQueueUrlCommand, ListQueuesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigModule, deadLetterQueueNameFor, loadConfig, type LockboxConfig, queueNameFor, runtimeFilePath, type SqsConfig } from '@lockbox/config';
import {
  CORRELATION_ID_ATTRIBUTE,
  MessageNotInFlightError,
  parseQueueMessage,
  PoisonMessageError,
  QUEUE_MESSAGE_TYPES,
  QUEUE_OF,
  type QueueMessage,
  QueueModule,
  QueueRepository,
  type ReceivedMessage,
} from '@lockbox/queue';

// The SDK is used directly only to play the outside world: a queue vanishing, as it does when the SQS store is lost.

// jest ignores `testTimeout` inside a project of a multi-project config (jest-circus reads only the global one).
jest.setTimeout(120_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      }).on('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listening on ${port}`);
    await sleep(50);
  }
}

/** SQS settings for this suite: the stack's endpoint when global setup started one, else a fauxqs of its own. */
async function sqsForSuite(): Promise<{ sqs: SqsConfig; stop: () => Promise<void> }> {
  const queuePrefix = `lbt-${Date.now().toString(36)}-${process.pid}-`;
  const timings = { visibilityTimeoutSeconds: 30, waitTimeSeconds: 1, maxReceiveCount: 2 };
  const home = process.env.LOCKBOX_HOME;
  if (home && existsSync(runtimeFilePath(home))) {
    return { sqs: { ...loadConfig().sqs, ...timings, queuePrefix }, stop: async () => undefined };
  }
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [join(__dirname, '../../node_modules/fauxqs/dist/cli.js')], {
    env: { ...process.env, FAUXQS_PORT: String(port), FAUXQS_HOST: '127.0.0.1', FAUXQS_LOGGER: 'false' },
    stdio: 'ignore',
  });
  await waitForPort(port);
  const sqs: SqsConfig = {
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${port}`,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    queuePrefix,
    ...timings,
  };
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  return { sqs, stop };
}

/** Receives until a message arrives or the time is up. */
async function receiveOne(queues: QueueRepository, queue: 'runs' | 'ingest' | 'checks', visibilityTimeoutSeconds?: number): Promise<ReceivedMessage> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const [message] = await queues.receive(queue, { maxMessages: 1, waitTimeSeconds: 1, visibilityTimeoutSeconds });
    if (message) return message;
  }
  throw new Error(`no message arrived on ${queue}`);
}

describe('QueueRepository against an SQS endpoint', () => {
  let sqs: SqsConfig;
  let stop: () => Promise<void>;
  let queues: QueueRepository;
  let admin: SQSClient;

  async function deleteQueue(name: string): Promise<void> {
    const { QueueUrl } = await admin.send(new GetQueueUrlCommand({ QueueName: name }));
    await admin.send(new DeleteQueueCommand({ QueueUrl }));
  }

  beforeAll(async () => {
    ({ sqs, stop } = await sqsForSuite());
    admin = new SQSClient({ region: sqs.region, endpoint: sqs.endpoint, credentials: sqs.credentials });
    queues = new QueueRepository(sqs);
    await queues.ensureQueues();
  });

  afterAll(async () => {
    const { QueueUrls = [] } = await admin.send(new ListQueuesCommand({ QueueNamePrefix: sqs.queuePrefix }));
    await Promise.all(QueueUrls.map((QueueUrl) => admin.send(new DeleteQueueCommand({ QueueUrl }))));
    admin.destroy();
    await queues.onApplicationShutdown();
    await stop();
  });

  describe('message catalogue', () => {
    it('routes every type to its queue', () => {
      expect([...QUEUE_MESSAGE_TYPES].sort()).toEqual(['dataset.ingest', 'run.execute', 'submission.check']);
      expect(QUEUE_OF).toEqual({ 'run.execute': 'runs', 'dataset.ingest': 'ingest', 'submission.check': 'checks' });
    });

    it('parses a well-formed message', () => {
      const id = randomUUID();
      expect(parseQueueMessage(JSON.stringify({ type: 'submission.check', id }))).toEqual({ type: 'submission.check', id });
    });

    it.each([
      ['not json', 'not valid JSON'],
      ['[1,2]', 'not a JSON object'],
      ['null', 'not a JSON object'],
      ['"run.execute"', 'not a JSON object'],
      [JSON.stringify({ id: randomUUID() }), 'type is missing'],
      [JSON.stringify({ type: 'run.explode', id: randomUUID() }), 'unknown message type "run.explode"'],
      [JSON.stringify({ type: 'toString', id: randomUUID() }), 'unknown message type "toString"'],
      [JSON.stringify({ type: 'run.execute', id: 'not-a-uuid' }), 'id must be a UUID'],
      [JSON.stringify({ type: 'run.execute', id: 42 }), 'id must be a UUID'],
      [JSON.stringify({ type: 'run.execute' }), 'id must be a UUID'],
      [JSON.stringify({ type: 'run.execute', id: randomUUID(), userId: 'x', extra: 1 }), 'unexpected field(s): userId, extra'],
    ])('rejects %s as poison (%s)', (body, reason) => {
      let caught: unknown;
      try {
        parseQueueMessage(body);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(PoisonMessageError);
      expect((caught as PoisonMessageError).reason).toContain(reason);
    });

    it('refuses to send a message that consumers would reject', async () => {
      await expect(queues.send({ type: 'run.execute', id: 'nope' })).rejects.toBeInstanceOf(PoisonMessageError);
      const smuggled = { type: 'run.execute', id: randomUUID(), extra: 'x' } as QueueMessage;
      await queues.send(smuggled);
      const received = await receiveOne(queues, 'runs');
      expect(JSON.parse(received.body)).toEqual({ type: 'run.execute', id: smuggled.id });
      await queues.delete('runs', received.receiptHandle);
    });
  });

  it('creates every queue and dead-letter queue, and is idempotent', async () => {
    await queues.ensureQueues();
    await Promise.all([queues.ensureQueues(), queues.ensureQueues()]);
    const { QueueUrls = [] } = await admin.send(new ListQueuesCommand({ QueueNamePrefix: sqs.queuePrefix }));
    const names = QueueUrls.map((url) => url.split('/').pop()).sort();
    expect(names).toEqual((['runs', 'ingest', 'checks'] as const).flatMap((queue) => [queueNameFor(sqs, queue), deadLetterQueueNameFor(sqs, queue)]).sort());
    await expect(queues.ping()).resolves.toBeUndefined();
  });

  it('round-trips a message to the queue of its type, and delete removes it', async () => {
    const message: QueueMessage = { type: 'dataset.ingest', id: randomUUID() };
    const before = Date.now();
    const messageId = await queues.send(message);

    expect(await queues.receive('runs', { waitTimeSeconds: 0, maxMessages: 10 })).toEqual([]);
    const received = await receiveOne(queues, 'ingest');
    expect(received.messageId).toBe(messageId);
    expect(parseQueueMessage(received.body)).toEqual(message);
    expect(received.receiveCount).toBe(1);
    expect(received.sentAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(received.sentAt.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    expect(await queues.approximateDepth('ingest')).toBe(1);

    await queues.delete('ingest', received.receiptHandle);
    expect(await queues.approximateDepth('ingest')).toBe(0);
    // fauxqs accepts a second delete with the same (now stale) handle, as SQS does for a stale handle.
    await expect(queues.delete('ingest', received.receiptHandle)).resolves.toBeUndefined();
  });

  it('extends visibility, and reports a delivery that is no longer in flight', async () => {
    await queues.send({ type: 'submission.check', id: randomUUID() });
    const first = await receiveOne(queues, 'checks', 1);
    await queues.changeVisibility('checks', first.receiptHandle, 20);
    await sleep(1500);
    expect(await queues.receive('checks', { waitTimeSeconds: 0 })).toEqual([]);

    await queues.changeVisibility('checks', first.receiptHandle, 0);
    const again = await receiveOne(queues, 'checks');
    expect(again.messageId).toBe(first.messageId);
    expect(again.receiveCount).toBe(2);

    await queues.delete('checks', again.receiptHandle);
    await expect(queues.changeVisibility('checks', again.receiptHandle, 10)).rejects.toBeInstanceOf(MessageNotInFlightError);
  });

  it('dead-letters a message after maxReceiveCount deliveries, lists it without removing it, and redrives it', async () => {
    const message: QueueMessage = { type: 'run.execute', id: randomUUID() };
    await queues.send(message);
    for (let delivery = 1; delivery <= sqs.maxReceiveCount; delivery++) {
      const received = await receiveOne(queues, 'runs', 1);
      expect(received.receiveCount).toBe(delivery);
      // not deleted: the handler "failed", so it reappears after the 1 s visibility
    }
    await sleep(1100);
    // The next receive finds the count exhausted and moves the message instead of delivering it.
    expect(await queues.receive('runs', { waitTimeSeconds: 1 })).toEqual([]);
    expect(await queues.approximateDepth('runs')).toBe(0);
    expect(await queues.approximateDepth('runs', { deadLetter: true })).toBe(1);

    const listed = await queues.listDeadLetters('runs', 10);
    expect(listed).toHaveLength(1);
    expect(parseQueueMessage(listed[0]!.body)).toEqual(message);
    expect(listed[0]?.receiveCount).toBeGreaterThanOrEqual(1);
    // Listing leaves the letters where they were, visible to the next listing at once.
    expect((await queues.listDeadLetters('runs', 10)).map((letter) => letter.messageId)).toEqual([listed[0]?.messageId]);

    expect(await queues.redriveDeadLetters('runs')).toBe(1);
    expect(await queues.approximateDepth('runs', { deadLetter: true })).toBe(0);
    const redriven = await receiveOne(queues, 'runs');
    expect(parseQueueMessage(redriven.body)).toEqual(message);
    expect(redriven.receiveCount).toBe(1);
    await queues.delete('runs', redriven.receiptHandle);
    expect(await queues.redriveDeadLetters('runs')).toBe(0);
  });

  it("carries a request's correlation id as a message attribute, through the dead-letter queue and its redrive, and drops one that is not well formed", async () => {
    const message: QueueMessage = { type: 'run.execute', id: randomUUID() };
    await queues.send(message, { correlationId: 'request-42' });
    const first = await receiveOne(queues, 'runs', 1);
    expect({ body: parseQueueMessage(first.body), correlationId: first.correlationId }).toEqual({ body: message, correlationId: 'request-42' });
    // Dead-lettered, listed and redriven, it still says which request queued it.
    await receiveOne(queues, 'runs', 1);
    await sleep(1100);
    expect(await queues.receive('runs', { waitTimeSeconds: 1 })).toEqual([]);
    expect((await queues.listDeadLetters('runs', 10)).map((letter) => letter.correlationId)).toEqual(['request-42']);
    expect(await queues.redriveDeadLetters('runs')).toBe(1);
    const redriven = await receiveOne(queues, 'runs');
    expect(redriven.correlationId).toBe('request-42');
    await queues.delete('runs', redriven.receiptHandle);

    // Anyone who can reach the queue can set attributes: what could forge a log line is not taken.
    const { QueueUrl } = await admin.send(new GetQueueUrlCommand({ QueueName: queueNameFor(sqs, 'ingest') }));
    for (const forged of ['id\n{"level":"fatal"}', 'x'.repeat(65)]) {
      await admin.send(
        new SendMessageCommand({
          QueueUrl,
          MessageBody: JSON.stringify({ type: 'dataset.ingest', id: randomUUID() }),
          MessageAttributes: { [CORRELATION_ID_ATTRIBUTE]: { DataType: 'String', StringValue: forged } },
        }),
      );
      const received = await receiveOne(queues, 'ingest');
      expect(received.correlationId).toBeUndefined();
      await queues.delete('ingest', received.receiptHandle);
    }
    // A message sent without one has none.
    await queues.send({ type: 'dataset.ingest', id: randomUUID() });
    const plain = await receiveOne(queues, 'ingest');
    expect(plain.correlationId).toBeUndefined();
    await queues.delete('ingest', plain.receiptHandle);
  });

  it('re-creates a vanished queue when sending, with its redrive policy', async () => {
    await deleteQueue(queueNameFor(sqs, 'runs'));
    await deleteQueue(deadLetterQueueNameFor(sqs, 'runs'));

    const message: QueueMessage = { type: 'run.execute', id: randomUUID() };
    await queues.send(message);
    const received = await receiveOne(queues, 'runs', 1);
    expect(parseQueueMessage(received.body)).toEqual(message);
    // The re-created queue dead-letters again: the redrive policy came back with it.
    await receiveOne(queues, 'runs', 1);
    await sleep(1100);
    expect(await queues.receive('runs', { waitTimeSeconds: 1 })).toEqual([]);
    expect(await queues.approximateDepth('runs', { deadLetter: true })).toBe(1);
    expect(await queues.redriveDeadLetters('runs')).toBe(1);
    await queues.delete('runs', (await receiveOne(queues, 'runs')).receiptHandle);
  });

  it('re-creates a vanished queue when receiving, and answers with no messages', async () => {
    await deleteQueue(queueNameFor(sqs, 'ingest'));
    expect(await queues.receive('ingest', { waitTimeSeconds: 0 })).toEqual([]);
    expect(await queues.approximateDepth('ingest')).toBe(0);
    await expect(admin.send(new GetQueueUrlCommand({ QueueName: queueNameFor(sqs, 'ingest') }))).resolves.toBeDefined();
  });

  it('applies changed settings to queues that already exist', async () => {
    const quick = new QueueRepository({ ...sqs, visibilityTimeoutSeconds: 1 });
    try {
      await quick.ensureQueues();
      await quick.send({ type: 'submission.check', id: randomUUID() });
      const first = await receiveOne(quick, 'checks'); // queue default visibility, now 1 s instead of 30 s
      await sleep(1500);
      const again = await receiveOne(quick, 'checks');
      expect(again.messageId).toBe(first.messageId);
      await quick.delete('checks', again.receiptHandle);
    } finally {
      await queues.ensureQueues(); // back to the suite's settings
      await quick.onApplicationShutdown();
    }
  });

  it('stops a long poll when aborted', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 200);
    expect(await queues.receive('checks', { waitTimeSeconds: 10, abortSignal: controller.signal })).toEqual([]);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('fails ping when the endpoint is down', async () => {
    const port = await freePort();
    const nowhere = new QueueRepository({ ...sqs, endpoint: `http://127.0.0.1:${port}` });
    try {
      await expect(nowhere.ping(2000)).rejects.toThrow();
    } finally {
      await nowhere.onApplicationShutdown();
    }
  });

  it('is provided by QueueModule from LOCKBOX_CONFIG', async () => {
    @Module({ imports: [ConfigModule.forRoot({ sqs } as LockboxConfig), QueueModule] })
    class TestModule {}
    const app = await NestFactory.createApplicationContext(TestModule, { logger: false, abortOnError: false });
    const provided = app.get(QueueRepository);
    await provided.ping();
    expect(await provided.approximateDepth('checks')).toBe(0);
    await app.close();
  });
});
