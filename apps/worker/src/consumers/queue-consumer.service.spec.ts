import type { QueueName } from '@lockbox/config';
import { currentLogContext, type LogContext } from '@lockbox/logging';
import type { QueueMessage, ReceivedMessage } from '@lockbox/queue';
import type { JobContext, JobHandler } from './job-handler';
import { jobDeadlineMs, QueueConsumerService } from './queue-consumer.service';

// The consumer with its queue, handlers and database faked: what it does with a job that never returns,
// and with a job that asks to run alone. The real thing runs under fault injection in test/reliability/.

const ids = {
  stuck: '00000000-0000-4000-8000-000000000001',
  next: '00000000-0000-4000-8000-000000000002',
  quick: '00000000-0000-4000-8000-000000000003',
  alone: '00000000-0000-4000-8000-000000000004',
  first: '00000000-0000-4000-8000-000000000005',
  second: '00000000-0000-4000-8000-000000000006',
};

/** A queue in memory: what the consumer received, deleted and made visible again. */
class MemoryQueue {
  private readonly waiting = new Map<QueueName, ReceivedMessage[]>();
  readonly deleted: string[] = [];
  readonly madeVisible: Array<{ receiptHandle: string; seconds: number }> = [];

  send(queue: QueueName, message: QueueMessage, correlationId?: string): void {
    const list = this.waiting.get(queue) ?? [];
    list.push({
      messageId: `m-${message.id}`,
      receiptHandle: `r-${message.id}`,
      body: JSON.stringify(message),
      receiveCount: 1,
      sentAt: new Date(),
      correlationId,
    });
    this.waiting.set(queue, list);
  }

  async receive(queue: QueueName, options: { maxMessages: number; abortSignal: AbortSignal }): Promise<ReceivedMessage[]> {
    const list = this.waiting.get(queue) ?? [];
    if (list.length > 0) return list.splice(0, options.maxMessages);
    await new Promise((resolve) => setTimeout(resolve, 5));
    return [];
  }

  async delete(_queue: QueueName, receiptHandle: string): Promise<void> {
    this.deleted.push(receiptHandle);
  }

  async changeVisibility(_queue: QueueName, receiptHandle: string, seconds: number): Promise<void> {
    this.madeVisible.push({ receiptHandle, seconds });
  }
}

/** A handler whose every job waits until the test lets it end; it records what it was handed. */
class HeldHandler implements JobHandler {
  readonly contexts = new Map<string, JobContext>();
  readonly started: string[] = [];
  private readonly ends = new Map<string, () => void>();
  onStart: (id: string, context: JobContext) => Promise<void> = async () => undefined;

  constructor(readonly messageType: JobHandler['messageType']) {}

  async handle(message: QueueMessage, context: JobContext): Promise<void> {
    this.contexts.set(message.id, context);
    this.started.push(message.id);
    await this.onStart(message.id, context);
    await new Promise<void>((resolve) => this.ends.set(message.id, resolve));
  }

  end(id: string): void {
    this.ends.get(id)?.();
  }
}

async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let waited = 0; waited < 5_000; waited += 5) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function consumer(handlers: JobHandler[], queues: QueueName[], concurrency: Partial<Record<QueueName, number>>) {
  const config = {
    worker: { queues, concurrency: { runs: 1, ingest: 1, checks: 1, ...concurrency }, shutdownGraceMs: 50 },
    jobs: { checkDeadlineMs: 200, ingestDeadlineMs: 200, runOverdueGraceMs: 0, leaseMs: 0, retryBackoffSeconds: 1 },
    limits: { runTimeoutMaxSeconds: 1 },
    sqs: { visibilityTimeoutSeconds: 30, maxReceiveCount: 5 },
  };
  const queue = new MemoryQueue();
  const audit: string[] = [];
  const dataSource = { query: jest.fn(async (_sql: string, parameters: unknown[]) => audit.push(parameters[0] as string)) };
  const service = new QueueConsumerService(config as never, handlers, queue as never, dataSource as never);
  return { service, queue, audit };
}

describe('QueueConsumerService', () => {
  let running: QueueConsumerService | undefined;
  afterEach(async () => {
    await running?.beforeApplicationShutdown();
    running = undefined;
  });

  it('gives up on a job still going at its deadline: its share of the queue comes back, and the message is neither acknowledged nor retried', async () => {
    const checks = new HeldHandler('submission.check');
    const { service, queue, audit } = consumer([checks], ['checks'], { checks: 1 });
    running = service;
    queue.send('checks', { type: 'submission.check', id: ids.quick });
    queue.send('checks', { type: 'submission.check', id: ids.stuck });
    queue.send('checks', { type: 'submission.check', id: ids.next });
    service.onApplicationBootstrap();

    // Under the deadline: a job that ends is acknowledged and was never abandoned.
    await eventually(() => checks.started.includes(ids.quick), 'the first job');
    checks.end(ids.quick);
    await eventually(() => queue.deleted.includes(`r-${ids.quick}`), 'the first job to be acknowledged');
    expect(checks.contexts.get(ids.quick)!.abandoned.aborted).toBe(false);

    // Over it: the only slot of the queue comes back while the stuck job is still going.
    await eventually(() => checks.started.includes(ids.next), 'the job after the stuck one');
    expect(checks.contexts.get(ids.stuck)!.abandoned.aborted).toBe(true);
    expect(checks.contexts.get(ids.next)!.abandoned.aborted).toBe(false);
    checks.end(ids.next);
    await eventually(() => queue.deleted.includes(`r-${ids.next}`), 'the next job to be acknowledged');
    // Left to reappear once its visibility runs out, after its lease has: not deleted, not made visible now.
    expect(queue.deleted).not.toContain(`r-${ids.stuck}`);
    expect(queue.madeVisible.map((change) => change.receiptHandle)).not.toContain(`r-${ids.stuck}`);
    expect(audit).toEqual(['queue.job_stalled']);
    // The worker can still shut down: the stuck job is no longer waited for.
    await service.beforeApplicationShutdown();
    running = undefined;
  });

  it('runs a job alone when it asks: it waits for the jobs inside to end and keeps new ones out until it ends', async () => {
    const ingest = new HeldHandler('dataset.ingest');
    const checks = new HeldHandler('submission.check');
    const alone: boolean[] = [];
    checks.onStart = async (_id, context) => {
      alone.push(await context.runAlone());
    };
    const { service, queue } = consumer([ingest, checks], ['ingest', 'checks'], { ingest: 2, checks: 1 });
    running = service;
    queue.send('ingest', { type: 'dataset.ingest', id: ids.first });
    service.onApplicationBootstrap();
    await eventually(() => ingest.started.includes(ids.first), 'the first ingest');

    queue.send('checks', { type: 'submission.check', id: ids.alone });
    await eventually(() => checks.started.includes(ids.alone), 'the check');
    queue.send('ingest', { type: 'dataset.ingest', id: ids.second });
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The check waits for the first ingest; the second ingest, received meanwhile, waits for the check.
    expect(alone).toEqual([]);
    expect(ingest.started).toEqual([ids.first]);

    ingest.end(ids.first);
    await eventually(() => alone.length === 1, 'the check to be alone');
    expect(alone).toEqual([true]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ingest.started).toEqual([ids.first]);

    checks.end(ids.alone);
    await eventually(() => ingest.started.includes(ids.second), 'the second ingest');
    ingest.end(ids.second);
    await eventually(() => queue.deleted.length === 3, 'every job to be acknowledged');
  });
});

describe('QueueConsumerService log context', () => {
  it("runs each job in a log context of its own: the correlation id its message carried, its job's id and type", async () => {
    const seen = new Map<string, LogContext>();
    const runs = new HeldHandler('run.execute');
    const ingest = new HeldHandler('dataset.ingest');
    for (const handler of [runs, ingest]) {
      handler.onStart = async (id) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        seen.set(id, currentLogContext());
      };
    }
    const { service, queue } = consumer([runs, ingest], ['runs', 'ingest'], { runs: 2, ingest: 1 });
    queue.send('runs', { type: 'run.execute', id: ids.first }, 'request-1');
    queue.send('runs', { type: 'run.execute', id: ids.second });
    queue.send('ingest', { type: 'dataset.ingest', id: ids.quick }, 'request-2');
    service.onApplicationBootstrap();
    await eventually(() => seen.size === 3, 'three jobs');
    expect(Object.fromEntries(seen)).toEqual({
      [ids.first]: { correlationId: 'request-1', jobType: 'run.execute', runId: ids.first },
      [ids.second]: { jobType: 'run.execute', runId: ids.second },
      [ids.quick]: { correlationId: 'request-2', jobType: 'dataset.ingest', datasetId: ids.quick },
    });
    expect(currentLogContext()).toEqual({});
    for (const id of [ids.first, ids.second]) runs.end(id);
    ingest.end(ids.quick);
    await service.beforeApplicationShutdown();
  });
});

describe('jobDeadlineMs', () => {
  it('bounds a run by the longest run timeout, the overdue grace and one lease; checks and ingests by their settings', () => {
    const config = {
      jobs: { runOverdueGraceMs: 300_000, leaseMs: 30_000, checkDeadlineMs: 1_800_000, ingestDeadlineMs: 600_000 },
      limits: { runTimeoutMaxSeconds: 900 },
    };
    expect(jobDeadlineMs(config as never, 'runs')).toBe(1_230_000);
    expect(jobDeadlineMs(config as never, 'checks')).toBe(1_800_000);
    expect(jobDeadlineMs(config as never, 'ingest')).toBe(600_000);
  });
});
