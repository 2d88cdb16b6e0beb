import { Inject, Injectable, Logger } from '@nestjs/common';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import { type JobTable, OutboxRepository, type PendingOutboxRow, type Transaction, TransactionRunner } from '@lockbox/db';
import { currentCorrelationId, runWithLogContext } from '@lockbox/logging';
import { type QueueMessage, QueueRepository, toQueueMessage } from '@lockbox/queue';

/** Which table holds the job each message type points at. */
export const JOB_TABLE_OF: Record<QueueMessage['type'], JobTable> = {
  'run.execute': 'runs',
  'dataset.ingest': 'datasets',
  'submission.check': 'analysis_versions',
};

type PendingRow = PendingOutboxRow & { message_type: QueueMessage['type'] };

/**
 * The transactional outbox. A request writes its row and an outbox row in one transaction (`add`),
 * then publishes straight after the commit (`publish`). Whatever a crash or a queue outage leaves
 * unpublished, the poller (`publishPending`) sends later; duplicates are harmless because workers claim.
 */
@Injectable()
export class OutboxService {
  private readonly logger = new Logger(OutboxService.name);

  constructor(
    @Inject(LOCKBOX_CONFIG) private readonly config: LockboxConfig,
    private readonly rows: OutboxRepository,
    private readonly transactions: TransactionRunner,
    private readonly queue: QueueRepository,
  ) {}

  /**
   * Records a message inside the caller's transaction; returns the outbox id to publish after commit.
   * The message carries the correlation id of the request being served (its log context) unless given one.
   */
  async add(transaction: Transaction, message: QueueMessage, correlationId = currentCorrelationId()): Promise<string> {
    return this.rows.insert(transaction, { type: message.type, subjectId: message.id, correlationId: correlationId ?? null });
  }

  /** Sends the given outbox rows now. Failures are recorded and left for the poller. */
  async publish(outboxIds: string[]): Promise<void> {
    if (outboxIds.length === 0) return;
    const rows = (await this.rows.pendingByIds(outboxIds)) as PendingRow[];
    await Promise.all(rows.map((row) => this.send(row)));
  }

  /** The safety net: sends rows left unpublished for longer than a moment. Returns how many were sent. */
  async publishPending(limit = 100): Promise<number> {
    return this.transactions.run(async (transaction) => {
      const rows = (await this.rows.lockPending(transaction, limit)) as PendingRow[];
      const sent = await Promise.all(rows.map((row) => this.send(row, transaction)));
      return sent.filter(Boolean).length;
    });
  }

  /**
   * Re-sends jobs still waiting long after their message was last sent, and jobs whose worker's lease
   * expired: the queue may have lost the message (the embedded SQS endpoint keeps queues in memory).
   * The message sent again keeps the correlation id of the request that created the job.
   */
  async republishStale(limit = 100): Promise<number> {
    const afterSeconds = this.config.jobs.republishAfterMs / 1000;
    let republished = 0;
    for (const [type, table] of Object.entries(JOB_TABLE_OF) as Array<[QueueMessage['type'], JobTable]>) {
      const outboxIds = await this.rows.enqueueStaleJobs(table, type, afterSeconds, limit);
      await this.publish(outboxIds);
      republished += outboxIds.length;
    }
    return republished;
  }

  /** Sends one row; its lines carry the job's correlation id, whoever sends it (the request, the poller). */
  private send(row: PendingRow, transaction?: Transaction): Promise<boolean> {
    return runWithLogContext({ correlationId: row.correlation_id ?? undefined }, () => this.sendRow(row, transaction));
  }

  private async sendRow(row: PendingRow, transaction?: Transaction): Promise<boolean> {
    try {
      await this.queue.send(toQueueMessage({ type: row.message_type, id: row.subject_id }), { correlationId: row.correlation_id });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.logger.warn(`outbox ${row.id} (${row.message_type} ${row.subject_id}) not sent yet: ${message}`);
      await this.rows.markFailed(transaction, row, message).catch(() => undefined);
      return false;
    }
    await this.rows.markSent(transaction, row, JOB_TABLE_OF[row.message_type]);
    return true;
  }
}
