import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { LiveEvent, NewPlatformEvent, RecordedEvent } from '@lockbox/events';

/** An `events` row as the statements that insert one return it. */
interface EventRow {
  id: string;
  type: string;
  subject_id: string | null;
  payload: Record<string, unknown>;
  created_at: Date;
}

function toLiveEvent(row: EventRow): LiveEvent {
  return { id: String(row.id), type: row.type, subjectId: row.subject_id, payload: row.payload, createdAt: row.created_at.toISOString() };
}

/** An event row a statement may or may not have inserted (a LEFT JOIN of its RETURNING): all null when it did not. */
export type MaybeEventRow = { [K in keyof EventRow]: EventRow[K] | null };

/** The recorded event of such a row, or undefined when nothing was inserted (nothing moved, or a replay). */
export function recordedFrom(userId: string, row: MaybeEventRow): RecordedEvent {
  return row.id === null ? undefined : { userId, event: toLiveEvent(row as EventRow) };
}

/**
 * The `events` rows and the notifications recorded with them. An event is written inside the caller's
 * transaction, so it commits with the state change it reports; the dedupe key makes a replayed writer
 * record nothing (and notify nobody) the second time.
 */
@Injectable()
export class PlatformEventsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The stored event, or undefined when its dedupe key was already recorded (a replay). */
  async record(manager: EntityManager, event: NewPlatformEvent): Promise<RecordedEvent> {
    const rows = (await manager.query(
      `INSERT INTO events (user_id, type, subject_id, payload, dedupe_key) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (dedupe_key) DO NOTHING
       RETURNING id, type, subject_id, payload, created_at`,
      [event.userId, event.type, event.subjectId ?? null, event.payload, event.dedupeKey ?? null],
    )) as EventRow[];
    const row = rows[0];
    if (!row) return undefined;
    if (event.notification) {
      await manager.query(
        `INSERT INTO notifications (user_id, type, title, body, subject_id, dedupe_key) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (dedupe_key) DO NOTHING`,
        [event.userId, event.type, event.notification.title, event.notification.body, event.subjectId ?? null, event.dedupeKey ?? `event:${row.id}`],
      );
    }
    return { userId: event.userId, event: toLiveEvent(row) };
  }

  /**
   * A state change and the event that reports it, in one statement (one round trip, atomic without a
   * transaction): `change` is a data-modifying statement with parameters from $1 whose RETURNING gives a
   * row when the state moved, and the event is recorded only then. `moved` is false when nothing
   * changed; `recorded` is undefined then, and on a replay (dedupe key already recorded).
   */
  async recordWithChange(
    change: { sql: string; parameters: unknown[] },
    event: Omit<NewPlatformEvent, 'notification'>,
  ): Promise<{ moved: boolean; recorded: RecordedEvent }> {
    const next = change.parameters.length + 1;
    const [row] = (await this.dataSource.query(
      `WITH change AS (${change.sql}),
            event AS (
              INSERT INTO events (user_id, type, subject_id, payload, dedupe_key)
              SELECT $${next}::uuid, $${next + 1}::text, $${next + 2}::uuid, $${next + 3}::jsonb, $${next + 4}::text FROM change LIMIT 1
              ON CONFLICT (dedupe_key) DO NOTHING
              RETURNING id, type, subject_id, payload, created_at)
       SELECT EXISTS (SELECT 1 FROM change) AS moved, event.id, event.type, event.subject_id, event.payload, event.created_at
         FROM (SELECT 1) AS one LEFT JOIN event ON true`,
      [...change.parameters, event.userId, event.type, event.subjectId ?? null, event.payload, event.dedupeKey ?? null],
    )) as [{ moved: boolean } & MaybeEventRow];
    return { moved: row.moved, recorded: recordedFrom(event.userId, row) };
  }

  /** A user's events after `afterId`, oldest first: the replay of a reconnecting stream. */
  async pageForUserAfter(userId: string, afterId: string, limit: number): Promise<LiveEvent[]> {
    const rows = (await this.dataSource.query(
      `SELECT id, type, subject_id, payload, created_at FROM events WHERE user_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
      [userId, afterId, limit],
    )) as EventRow[];
    return rows.map(toLiveEvent);
  }

  /** The id of the user's newest event, '0' when they have none. */
  async latestIdForUser(userId: string): Promise<string> {
    const [row] = (await this.dataSource.query(`SELECT max(id)::text AS latest FROM events WHERE user_id = $1`, [userId])) as Array<{ latest: string | null }>;
    return row?.latest ?? '0';
  }
}
