import { setTimeout as sleep } from 'node:timers/promises';
import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { LOCKBOX_CONFIG, type LockboxConfig, type QueueName } from '@lockbox/config';
import { addToLogContext, type LogContext, runWithLogContext } from '@lockbox/logging';
import {
  MessageNotInFlightError,
  parseQueueMessage,
  PoisonMessageError,
  QUEUE_MESSAGE_TYPES,
  QUEUE_OF,
  type QueueMessage,
  type QueueMessageType,
  QueueRepository,
  type ReceivedMessage,
} from '@lockbox/queue';
import { JobGate } from './job-gate';
import { JOB_HANDLERS, type JobContext, type JobHandler } from './job-handler';
import { QueueCapacity } from './queue-capacity';

const MAX_BACKOFF_SECONDS = 15 * 60;

/** The log context field that names a message's job. */
const SUBJECT_FIELD: Readonly<Record<QueueMessageType, keyof Pick<LogContext, 'runId' | 'datasetId' | 'submissionId'>>> = {
  'run.execute': 'runId',
  'dataset.ingest': 'datasetId',
  'submission.check': 'submissionId',
};

/**
 * How long one job of the queue may take before the worker gives up on it as stalled. A run's own
 * deadline is at most the longest run timeout, and the API's sweep ends a run still going
 * `runOverdueGraceMs` past it; one lease later its handler has nothing left to do.
 */
export function jobDeadlineMs(config: Pick<LockboxConfig, 'jobs' | 'limits'>, queue: QueueName): number {
  switch (queue) {
    case 'runs':
      return config.limits.runTimeoutMaxSeconds * 1000 + config.jobs.runOverdueGraceMs + config.jobs.leaseMs;
    case 'checks':
      return config.jobs.checkDeadlineMs;
    case 'ingest':
      return config.jobs.ingestDeadlineMs;
  }
}

/**
 * Long-polls every queue and hands each message to the handler of its type, at most `concurrency`
 * at a time per queue (a job may give its share back early: QueueCapacity). While a handler works, the
 * message's visibility is extended so no other worker receives it; the message is deleted only after the
 * handler has committed its outcome. A handler still going at its queue's deadline is given up as stalled
 * (JobContext.abandoned), so one job that never returns cannot hold its queue's capacity for good; a job
 * whose earlier attempt was lost may ask to run alone on the worker (JobGate).
 */
@Injectable()
export class QueueConsumerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(QueueConsumerService.name);
  private readonly handlers = new Map<QueueMessageType, JobHandler>();
  private readonly polling = new AbortController();
  private readonly shutdown = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly loops: Promise<void>[] = [];
  private readonly gate = new JobGate();

  constructor(
    @Inject(LOCKBOX_CONFIG) private readonly config: LockboxConfig,
    @Inject(JOB_HANDLERS) handlers: JobHandler[],
    private readonly queue: QueueRepository,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {
    for (const handler of handlers) {
      if (this.handlers.has(handler.messageType)) throw new Error(`two handlers for message type ${handler.messageType}`);
      this.handlers.set(handler.messageType, handler);
    }
    // A worker that would receive messages it cannot handle must not start: they would go round forever.
    const missing = QUEUE_MESSAGE_TYPES.filter((type) => config.worker.queues.includes(QUEUE_OF[type]) && !this.handlers.has(type));
    if (missing.length > 0) throw new Error(`no handler for message type(s): ${missing.join(', ')}`);
  }

  onApplicationBootstrap(): void {
    for (const queue of this.config.worker.queues) this.loops.push(this.pollLoop(queue));
  }

  /**
   * SIGTERM: stop polling, let in-flight jobs finish within the grace period, then make them hand back.
   * This runs before any provider's onApplicationShutdown, so the heartbeat still says this worker is
   * alive (no other worker's reaper takes its containers) and the database is open until the jobs are done.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.polling.abort();
    await Promise.all(this.loops);
    const everyJobDone = Promise.all(this.inFlight).then(() => true);
    const graceOver = new Promise<false>((resolve) => setTimeout(() => resolve(false), this.config.worker.shutdownGraceMs).unref());
    if (!(await Promise.race([everyJobDone, graceOver]))) {
      this.logger.warn(`handing back ${this.inFlight.size} job(s) still running after the grace period`);
      this.shutdown.abort();
      await Promise.all(this.inFlight);
    }
  }

  private async pollLoop(queue: QueueName): Promise<void> {
    const capacity = new QueueCapacity(this.config.worker.concurrency[queue]);
    const pollingStopped = whenAborted(this.polling.signal);
    while (!this.polling.signal.aborted) {
      if (capacity.free === 0) {
        // Woken when a job gives its share back, or by shutdown, whose grace period must not wait for the jobs themselves.
        await Promise.race([capacity.freed(), pollingStopped]);
        continue;
      }
      let messages: ReceivedMessage[];
      try {
        messages = await this.queue.receive(queue, { maxMessages: Math.min(10, capacity.free), abortSignal: this.polling.signal });
      } catch (error) {
        this.logger.warn(`receiving from ${queue} failed: ${describe(error)}; retrying`);
        await delay(1000, this.polling.signal);
        continue;
      }
      for (const message of messages) {
        const giveBack = capacity.take();
        // Every line about the job carries the correlation id of the request that queued it.
        const job = runWithLogContext({ correlationId: message.correlationId }, () => this.process(queue, message, giveBack)).finally(() => {
          giveBack();
          this.inFlight.delete(job);
        });
        this.inFlight.add(job);
      }
    }
  }

  private async process(queue: QueueName, received: ReceivedMessage, giveBackCapacity: () => void): Promise<void> {
    let message: QueueMessage;
    try {
      message = parseQueueMessage(received.body);
      if (QUEUE_OF[message.type] !== queue) throw new PoisonMessageError(`message type ${message.type} does not belong on queue ${queue}`);
    } catch (error) {
      // A message no handler can ever accept: acknowledge it so it does not loop, and say so.
      this.logger.error(`poison message ${received.messageId} on ${queue} dropped: ${describe(error)}`);
      await this.recordForAdmin('queue.poison_dropped', queue, received, error);
      await this.queue.delete(queue, received.receiptHandle).catch(() => undefined);
      return;
    }

    addToLogContext({ jobType: message.type, [SUBJECT_FIELD[message.type]]: message.id });
    const startedAt = performance.now();
    const keepHidden = this.keepHiddenWhileHandling(queue, received);
    let leave = await this.gate.enter();
    if (this.shutdown.signal.aborted) {
      // Held back by a job running alone until the grace period was over: let another worker have it.
      leave();
      keepHidden.stop();
      await this.queue.changeVisibility(queue, received.receiptHandle, 0).catch(() => undefined);
      return;
    }
    const deadline = new JobDeadline(jobDeadlineMs(this.config, queue));
    const context: JobContext = {
      receiveCount: received.receiveCount,
      shutdown: this.shutdown.signal,
      giveBackCapacity,
      abandoned: deadline.overran,
      runAlone: async () => {
        // Waiting for the others to leave is not this job's time.
        deadline.pause();
        leave();
        const alone = await this.gate.enterAlone(this.polling.signal);
        deadline.start();
        if (!alone) return false;
        leave = alone;
        return true;
      },
    };
    const handled = this.handlers.get(message.type)!.handle(message as never, context);
    let ended: 'handled' | 'overran';
    try {
      ended = await Promise.race([handled.then(() => 'handled' as const), deadline.passed]);
    } catch (error) {
      keepHidden.stop();
      await this.retryLater(queue, received, message, error);
      return;
    } finally {
      deadline.pause();
      leave();
    }
    keepHidden.stop();
    if (ended === 'overran') {
      // Its lease is no longer renewed and the message no longer hidden: once the lease has expired the job
      // is claimed again, and this attempt counts as lost. Whatever the handler does later writes nothing.
      const stalled = `${message.type} ${message.id} was still going after its ${deadline.ms} ms deadline: given up as stalled`;
      this.logger.error(stalled);
      handled.catch((error: unknown) => this.logger.warn(`${message.type} ${message.id}, given up as stalled, failed later: ${describe(error)}`));
      await this.recordForAdmin('queue.job_stalled', queue, received, stalled);
      return;
    }
    if (this.shutdown.signal.aborted) {
      // The handler handed its job back: let another worker have the message now.
      await this.queue.changeVisibility(queue, received.receiptHandle, 0).catch(() => undefined);
      return;
    }
    await this.queue.delete(queue, received.receiptHandle).catch((error: unknown) => {
      // The outcome is committed; a redelivery will find nothing to claim and be acknowledged then.
      this.logger.warn(`could not delete message ${received.messageId} from ${queue}: ${describe(error)}`);
    });
    const durationMs = Math.round(performance.now() - startedAt);
    this.logger.log(`${message.type} ${message.id} handled in ${durationMs} ms (delivery ${received.receiveCount})`, {
      durationMs,
      delivery: received.receiveCount,
    });
  }

  /** Platform faults are retried with backoff; after maxReceiveCount deliveries SQS moves the message to the DLQ. */
  private async retryLater(queue: QueueName, received: ReceivedMessage, message: QueueMessage, error: unknown): Promise<void> {
    const backoff = Math.min(MAX_BACKOFF_SECONDS, this.config.jobs.retryBackoffSeconds * 2 ** (received.receiveCount - 1));
    this.logger.warn(`${message.type} ${message.id} failed (delivery ${received.receiveCount}); retrying in ${backoff} s: ${describe(error)}`);
    // SQS moves it to the dead-letter queue instead of delivering it again: leave a trace next to `dlq list`.
    if (received.receiveCount >= this.config.sqs.maxReceiveCount) await this.recordForAdmin('queue.dead_lettered', queue, received, error);
    await this.queue.changeVisibility(queue, received.receiptHandle, backoff).catch(() => undefined);
  }

  /**
   * An `audit_events` row an admin can find (actor `system`). Best effort: the message is acknowledged
   * or dead-lettered whether or not the database takes the row, so a poison message never loops.
   */
  private async recordForAdmin(action: string, queue: QueueName, received: ReceivedMessage, error: unknown): Promise<void> {
    const detail = { queue, messageId: received.messageId, receiveCount: received.receiveCount, body: received.body.slice(0, 1000), error: describe(error) };
    await this.dataSource
      .query(`INSERT INTO audit_events (actor, action, target_type, detail) VALUES ('system', $1, 'queue_message', $2)`, [action, JSON.stringify(detail)])
      .catch((failure: unknown) => this.logger.warn(`could not record ${action} for ${received.messageId}: ${describe(failure)}`));
  }

  private keepHiddenWhileHandling(queue: QueueName, received: ReceivedMessage): { stop(): void } {
    const visibility = this.config.sqs.visibilityTimeoutSeconds;
    const timer = setInterval(
      () => {
        this.queue.changeVisibility(queue, received.receiptHandle, visibility).catch((error: unknown) => {
          if (!(error instanceof MessageNotInFlightError)) this.logger.warn(`extending visibility of ${received.messageId} failed: ${describe(error)}`);
        });
      },
      Math.max(1000, (visibility * 1000) / 3),
    );
    return { stop: () => clearInterval(timer) };
  }
}

/** A job's deadline: `overran` aborts (and `passed` resolves) once it has run `ms` without a pause. */
class JobDeadline {
  private readonly controller = new AbortController();
  private timer?: NodeJS.Timeout;
  readonly passed: Promise<'overran'>;

  constructor(readonly ms: number) {
    this.passed = whenAborted(this.controller.signal).then(() => 'overran' as const);
    this.start();
  }

  get overran(): AbortSignal {
    return this.controller.signal;
  }

  /** (Re)starts the full `ms`. */
  start(): void {
    this.pause();
    this.timer = setTimeout(() => this.controller.abort(), this.ms);
  }

  pause(): void {
    clearTimeout(this.timer);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function whenAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** Waits `ms`, or less if the signal aborts; it leaves no listener behind (it is called on every failed receive). */
async function delay(ms: number, signal: AbortSignal): Promise<void> {
  await sleep(ms, undefined, { signal }).catch(() => undefined);
}
