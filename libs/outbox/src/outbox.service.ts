import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import { JOB_STATUSES, type JobTable } from '@lockbox/db';
import { currentCorrelationId, runWithLogContext } from '@lockbox/logging';
import { type QueueMessage, QueueRepository, toQueueMessage } from '@lockbox/queue';

/** Which table holds the job each message type points at. */
export const JOB_TABLE_OF: Record<QueueMessage['type'], JobTable> = {
  'run.execute': 'runs',
  'dataset.ingest': 'datasets',
  'submission.check': 'analysis_versions',
};

interface PendingRow {
  id: string;
  message_type: QueueMessage['type'];
  subject_id: string;
  correlation_id: string | null;
}

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
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queue: QueueRepository,
  ) {}

  /**
   * Records a message inside the caller's transaction; returns the outbox id to publish after commit.
   * The message carries the correlation id of the request being served (its log context) unless given one.
   */
  async add(manager: EntityManager, message: QueueMessage, correlationId = currentCorrelationId()): Promise<string> {
    const [row] = (await manager.query(`INSERT INTO outbox (message_type, subject_id, correlation_id) VALUES ($1, $2, $3) RETURNING id`, [
      message.type,
      message.id,
      correlationId ?? null,
    ])) as Array<{ id: string }>;
    if (!row) throw new Error('the outbox insert returned no row');
    return row.id;
  }

  /** Sends the given outbox rows now. Failures are recorded and left for the poller. */
  async publish(outboxIds: string[]): Promise<void> {
    if (outboxIds.length === 0) return;
    const rows = (await this.dataSource.query(
      `SELECT id, message_type, subject_id, correlation_id FROM outbox WHERE id = ANY($1::bigint[]) AND published_at IS NULL`,
      [outboxIds],
    )) as PendingRow[];
    await Promise.all(rows.map((row) => this.send(row)));
  }

  /** The safety net: sends rows left unpublished for longer than a moment. Returns how many were sent. */
  async publishPending(limit = 100): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const rows = (await manager.query(
        `SELECT id, message_type, subject_id, correlation_id FROM outbox
          WHERE published_at IS NULL AND created_at < now() - interval '1 second'
          ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      )) as PendingRow[];
      const sent = await Promise.all(rows.map((row) => this.send(row, manager)));
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
      const rows = (await this.dataSource.query(
        `SELECT job.id,
                (SELECT origin.correlation_id FROM outbox origin WHERE origin.subject_id = job.id ORDER BY origin.id LIMIT 1) AS correlation_id
           FROM ${table} job
          WHERE ((job.status = $1 AND (job.last_published_at IS NULL OR job.last_published_at < now() - make_interval(secs => $3)))
                 OR (job.status = $2 AND job.lease_expires_at < now()
                     AND (job.last_published_at IS NULL OR job.last_published_at < job.lease_expires_at
                          -- a re-sent message can be lost too: keep re-sending, at the waiting jobs' pace
                          OR job.last_published_at < now() - make_interval(secs => $3))))
            -- while the queue is away, one pending message per job is enough: the poller sends it when it can
            AND NOT EXISTS (SELECT 1 FROM outbox pending WHERE pending.published_at IS NULL AND pending.subject_id = job.id)
          LIMIT $4`,
        [JOB_STATUSES[table].waiting, JOB_STATUSES[table].active, afterSeconds, limit],
      )) as Array<{ id: string; correlation_id: string | null }>;
      for (const { id, correlation_id: correlationId } of rows) {
        const outboxId = await this.dataSource.transaction((manager) => this.add(manager, toQueueMessage({ type, id }), correlationId ?? undefined));
        await this.publish([outboxId]);
        republished++;
      }
    }
    return republished;
  }

  /** Sends one row; its lines carry the job's correlation id, whoever sends it (the request, the poller). */
  private send(row: PendingRow, manager?: EntityManager): Promise<boolean> {
    return runWithLogContext({ correlationId: row.correlation_id ?? undefined }, () => this.sendRow(row, manager));
  }

  private async sendRow(row: PendingRow, manager?: EntityManager): Promise<boolean> {
    const db = manager ?? this.dataSource;
    try {
      await this.queue.send(toQueueMessage({ type: row.message_type, id: row.subject_id }), { correlationId: row.correlation_id });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.logger.warn(`outbox ${row.id} (${row.message_type} ${row.subject_id}) not sent yet: ${message}`);
      await db.query(`UPDATE outbox SET publish_attempts = publish_attempts + 1, last_error = $2 WHERE id = $1`, [row.id, message]).catch(() => undefined);
      return false;
    }
    await db.query(`UPDATE outbox SET published_at = now(), publish_attempts = publish_attempts + 1, last_error = NULL WHERE id = $1`, [row.id]);
    await db.query(`UPDATE ${JOB_TABLE_OF[row.message_type]} SET last_published_at = now() WHERE id = $1`, [row.subject_id]);
    return true;
  }
}
