import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { PlatformEventsRepository } from '@lockbox/db';
import type { LiveEvent, NewPlatformEvent, PlatformEventPayloads, RecordedEvent, TransientEventType } from './event-catalogue';
import { RedisRepository } from './redis.repository';

export function userEventsChannel(userId: string): string {
  return `user-events:${userId}`;
}

/** Said on a user's channel when the account's credentials changed: every open event stream of it ends. */
export const STREAMS_ENDED = { streamsEnded: true } as const;

export function isStreamsEnded(payload: unknown): boolean {
  return typeof payload === 'object' && payload !== null && (payload as Record<string, unknown>).streamsEnded === true;
}

/**
 * Writes events (and notifications) inside the caller's transaction, and fans them out over Redis after
 * the commit. Redis is only the live path: the rows are the record, so a lost publish loses nothing.
 */
@Injectable()
export class PlatformEventsService {
  private readonly logger = new Logger(PlatformEventsService.name);

  constructor(
    private readonly redis: RedisRepository,
    private readonly rows: PlatformEventsRepository,
  ) {}

  /** Records the event (and its notification) in the caller's transaction; undefined when it was already recorded. */
  async record(manager: EntityManager, event: NewPlatformEvent): Promise<RecordedEvent> {
    return this.rows.record(manager, event);
  }

  /** After commit. A failure is logged only: reconnecting clients are replayed from the rows. */
  async publish(recorded: RecordedEvent): Promise<void> {
    if (!recorded) return;
    await this.redis.publish(userEventsChannel(recorded.userId), recorded.event).catch((error: unknown) => {
      this.logger.warn(`live fan-out of event ${recorded.event.id} failed: ${error instanceof Error ? error.message : String(error)}`);
    });
  }

  /**
   * Ends the user's open event streams on every API instance (a password or role change: what a stream
   * was opened with no longer holds). A client that still may reconnects, with credentials that are checked
   * again. Said a second time `againAfterMs` later: a stream authenticated just before the change and
   * subscribed just after the first message, or opened meanwhile on an instance whose cached view of the
   * account is not yet stale (LOCKBOX_CALLER_CACHE_MS), ends then.
   */
  async endStreams(userId: string, againAfterMs = 0): Promise<void> {
    const say = () =>
      this.redis.publish(userEventsChannel(userId), STREAMS_ENDED).catch((error: unknown) => {
        this.logger.warn(`ending the event streams of ${userId} failed: ${error instanceof Error ? error.message : String(error)}`);
      });
    await say();
    if (againAfterMs > 0) setTimeout(() => void say(), againAfterMs).unref();
  }

  /** Live-only news with no row, such as progress: the run row keeps the latest value. */
  async publishTransient<T extends TransientEventType>(userId: string, type: T, subjectId: string, payload: PlatformEventPayloads[T]): Promise<void> {
    const event: LiveEvent = { id: '', type, subjectId, payload, createdAt: new Date().toISOString() };
    await this.redis.publish(userEventsChannel(userId), event).catch(() => undefined);
  }
}
