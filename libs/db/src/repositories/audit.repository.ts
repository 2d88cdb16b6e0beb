import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { AuditAction } from '@lockbox/events';
import { claimFence, type JobClaim } from '../job-lease';

/** One row of the audit trail: who touched whose data, and how. */
export interface AuditEntry {
  /** The person acting, when a person acts (`actor` then reads `user:<id>`). */
  actorId?: string | null;
  /** `user:<id>`, `worker:<id>`, `analysis:<slug>@<version>` or `system`. */
  actor: string;
  subjectUserId?: string | null;
  action: AuditAction;
  targetType: 'run' | 'dataset' | 'analysis_version' | 'queue_message' | 'queue' | 'user';
  targetId?: string | null;
  detail: Record<string, unknown>;
}

/** The audit trail (`audit_events`): written with the change it records, read by admins. */
@Injectable()
export class AuditRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** In the caller's transaction, so the row commits with the change it records. */
  async record(manager: EntityManager, entry: AuditEntry): Promise<void> {
    await this.insert(manager, entry);
  }

  /** On its own, for what has no transaction of its own (a queue message given up on). */
  async recordAlone(entry: AuditEntry): Promise<void> {
    await this.insert(this.dataSource.manager, entry);
  }

  /**
   * Written only while the claim on the run still holds (the run is `running` under this lease and
   * row_version); false, with nothing written, otherwise.
   */
  async recordWhileRunHeld(claim: JobClaim, entry: AuditEntry): Promise<boolean> {
    const fence = claimFence(claim, 8);
    const inserted = (await this.dataSource.query(
      `INSERT INTO audit_events (actor_id, actor, subject_user_id, action, target_type, target_id, detail)
       SELECT $1, $2, $3, $4, $5, $6, $7::jsonb
        WHERE EXISTS (SELECT 1 FROM runs WHERE id = $6 AND status = 'running' AND ${fence.sql})
       RETURNING id`,
      [...auditParameters(entry), ...fence.parameters],
    )) as Array<{ id: string }>;
    return inserted.length === 1;
  }

  /** The error of each message's last dead-lettering, as the worker recorded it (what an admin redrive shows). */
  async lastDeadLetterErrors(messageIds: string[]): Promise<Map<string, string>> {
    if (messageIds.length === 0) return new Map();
    const rows = (await this.dataSource.query(
      `SELECT DISTINCT ON (detail->>'messageId') detail->>'messageId' AS message_id, detail->>'error' AS error
         FROM audit_events WHERE action = 'queue.dead_lettered' AND detail->>'messageId' = ANY($1)
        ORDER BY detail->>'messageId', created_at DESC`,
      [messageIds],
    )) as Array<{ message_id: string; error: string }>;
    return new Map(rows.map((row) => [row.message_id, row.error]));
  }

  private async insert(manager: Pick<EntityManager, 'query'>, entry: AuditEntry): Promise<void> {
    await manager.query(
      `INSERT INTO audit_events (actor_id, actor, subject_user_id, action, target_type, target_id, detail) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)`,
      auditParameters(entry),
    );
  }
}

function auditParameters(entry: AuditEntry): unknown[] {
  return [
    entry.actorId ?? null,
    entry.actor,
    entry.subjectUserId ?? null,
    entry.action,
    entry.targetType,
    entry.targetId ?? null,
    JSON.stringify(entry.detail),
  ];
}
