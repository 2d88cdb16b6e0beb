import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { RedisRepository } from './redis.repository';

export interface NewPlatformEvent {
  userId: string;
  type: string;
  subjectId?: string;
  payload: Record<string, unknown>;
  /** Set for events that must happen once however often their handler is replayed. */
  dedupeKey?: string;
  /** Also tell the user in-app; de-duplicated by the same key. */
  notification?: { title: string; body: string };
}

/** What SSE clients receive, live or replayed. `id` orders a user's events and serves `Last-Event-ID`. */
export interface LiveEvent {
  id: string;
  type: string;
  subjectId: string | null;
  payload: Record<string, unknown>;
  createdAt: string;
}

export function userEventsChannel(userId: string): string {
  return `user-events:${userId}`;
}

/**
 * Writes events (and notifications) inside the caller's transaction, and fans them out over Redis after
 * the commit. Redis is only the live path: the rows are the record, so a lost publish loses nothing.
 */
@Injectable()
export class PlatformEventsService {
  private readonly logger = new Logger(PlatformEventsService.name);

  constructor(private readonly redis: RedisRepository) {}

  /** Returns the stored event, or undefined when its dedupe key was already recorded (a replay). */
  async record(manager: EntityManager, event: NewPlatformEvent): Promise<{ userId: string; event: LiveEvent } | undefined> {
    const rows = (await manager.query(
      `INSERT INTO events (user_id, type, subject_id, payload, dedupe_key) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (dedupe_key) DO NOTHING
       RETURNING id, type, subject_id, payload, created_at`,
      [event.userId, event.type, event.subjectId ?? null, event.payload, event.dedupeKey ?? null],
    )) as Array<{ id: string; type: string; subject_id: string | null; payload: Record<string, unknown>; created_at: Date }>;
    const row = rows[0];
    if (!row) return undefined;
    if (event.notification) {
      await manager.query(
        `INSERT INTO notifications (user_id, type, title, body, subject_id, dedupe_key) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (dedupe_key) DO NOTHING`,
        [event.userId, event.type, event.notification.title, event.notification.body, event.subjectId ?? null, event.dedupeKey ?? `event:${row.id}`],
      );
    }
    return {
      userId: event.userId,
      event: { id: String(row.id), type: row.type, subjectId: row.subject_id, payload: row.payload, createdAt: row.created_at.toISOString() },
    };
  }

  /** After commit. A failure is logged only: reconnecting clients are replayed from the rows. */
  async publish(recorded: { userId: string; event: LiveEvent } | undefined): Promise<void> {
    if (!recorded) return;
    await this.redis.publish(userEventsChannel(recorded.userId), recorded.event).catch((error: unknown) => {
      this.logger.warn(`live fan-out of event ${recorded.event.id} failed: ${error instanceof Error ? error.message : String(error)}`);
    });
  }

  /** Live-only news with no row, such as progress: the run row keeps the latest value. */
  async publishTransient(userId: string, type: string, subjectId: string, payload: Record<string, unknown>): Promise<void> {
    const event: LiveEvent = { id: '', type, subjectId, payload, createdAt: new Date().toISOString() };
    await this.redis.publish(userEventsChannel(userId), event).catch(() => undefined);
  }
}
