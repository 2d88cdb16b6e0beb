import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { JOB_STATUSES, type JobTable } from '../job-lease';

/** An outbox row not yet sent. */
export interface PendingOutboxRow {
  id: string;
  message_type: string;
  subject_id: string;
  correlation_id: string | null;
}

/**
 * The transactional outbox (`outbox`) and the jobs' `last_published_at`. A row is sent at most once by
 * the pollers at a time (a poller locks the rows it sends), and a job gets a new message only when it
 * has none pending: whoever sends, the queue never holds two messages for one job because of the outbox.
 */
@Injectable()
export class OutboxRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Records a message inside the caller's transaction; returns its id, to send after the commit. */
  async insert(manager: EntityManager, message: { type: string; subjectId: string; correlationId: string | null }): Promise<string> {
    const [row] = (await manager.query(`INSERT INTO outbox (message_type, subject_id, correlation_id) VALUES ($1, $2, $3) RETURNING id`, [
      message.type,
      message.subjectId,
      message.correlationId,
    ])) as Array<{ id: string }>;
    if (!row) throw new Error('the outbox insert returned no row');
    return row.id;
  }

  /** These rows, those of them still unsent. */
  async pendingByIds(ids: string[]): Promise<PendingOutboxRow[]> {
    return (await this.dataSource.query(
      `SELECT id, message_type, subject_id, correlation_id FROM outbox WHERE id = ANY($1::bigint[]) AND published_at IS NULL`,
      [ids],
    )) as PendingOutboxRow[];
  }

  /**
   * Unsent rows older than a moment, locked until the caller's transaction ends; rows another poller has
   * locked are skipped, so two pollers never send one row.
   */
  async lockPending(manager: EntityManager, limit: number): Promise<PendingOutboxRow[]> {
    return (await manager.query(
      `SELECT id, message_type, subject_id, correlation_id FROM outbox
        WHERE published_at IS NULL AND created_at < now() - interval '1 second'
        ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit],
    )) as PendingOutboxRow[];
  }

  /** Sent: the row is done, and the job's clock for a re-send restarts. */
  async markSent(manager: EntityManager | undefined, row: PendingOutboxRow, jobTable: JobTable): Promise<void> {
    const db = manager ?? this.dataSource.manager;
    await db.query(`UPDATE outbox SET published_at = now(), publish_attempts = publish_attempts + 1, last_error = NULL WHERE id = $1`, [row.id]);
    await db.query(`UPDATE ${jobTable} SET last_published_at = now() WHERE id = $1`, [row.subject_id]);
  }

  /** Not sent this time: counted, with the error, for the next pass. */
  async markFailed(manager: EntityManager | undefined, row: PendingOutboxRow, error: string): Promise<void> {
    const db = manager ?? this.dataSource.manager;
    await db.query(`UPDATE outbox SET publish_attempts = publish_attempts + 1, last_error = $2 WHERE id = $1`, [row.id, error]);
  }

  /**
   * Gives a new outbox row (returned, to send after this commits) to each job that may have lost its
   * message: still waiting long after its message was last sent, or active under a lease that expired.
   * One statement: a job is locked (skipping those another instance is at), stamped as just published
   * and given its row, so instances re-sending at once never give one job two messages; a job with an
   * unsent row already is left to the poller. The new row keeps the correlation id of the job's first.
   */
  async enqueueStaleJobs(table: JobTable, messageType: string, afterSeconds: number, limit: number): Promise<string[]> {
    const rows = (await this.dataSource.query(
      `WITH stale AS (
         SELECT job.id FROM ${table} job
          WHERE ((job.status = $1 AND (job.last_published_at IS NULL OR job.last_published_at < now() - make_interval(secs => $3)))
                 OR (job.status = $2 AND job.lease_expires_at < now()
                     AND (job.last_published_at IS NULL OR job.last_published_at < job.lease_expires_at
                          -- a re-sent message can be lost too: keep re-sending, at the waiting jobs' pace
                          OR job.last_published_at < now() - make_interval(secs => $3))))
            -- while the queue is away, one pending message per job is enough: the poller sends it when it can
            AND NOT EXISTS (SELECT 1 FROM outbox pending WHERE pending.published_at IS NULL AND pending.subject_id = job.id)
          LIMIT $4
          FOR UPDATE OF job SKIP LOCKED
       ), stamped AS (
         UPDATE ${table} job SET last_published_at = now() FROM stale WHERE job.id = stale.id RETURNING job.id
       )
       INSERT INTO outbox (message_type, subject_id, correlation_id)
       SELECT $5, stamped.id, (SELECT origin.correlation_id FROM outbox origin WHERE origin.subject_id = stamped.id ORDER BY origin.id LIMIT 1)
         FROM stamped
       RETURNING id`,
      [JOB_STATUSES[table].waiting, JOB_STATUSES[table].active, afterSeconds, limit, messageType],
    )) as Array<{ id: string }>;
    return rows.map((row) => row.id);
  }
}
