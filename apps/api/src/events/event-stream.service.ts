import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { PlatformEventsRepository } from '@lockbox/db';
import { DomainError, QuotaExceededError } from '@lockbox/errors';
import { isStreamsEnded, RedisRepository, userEventsChannel } from '@lockbox/events';
import { EventStream, type EventStreamOptions, isLiveEvent, type UserEventSource } from './event-stream';
import { EventStreamConnections } from './event-stream-connections';

const STREAM_SETTINGS: Omit<EventStreamOptions, 'lastEventId'> = {
  retryMs: 2_000,
  keepaliveMs: 15_000,
  replayPageSize: 500,
  maxPendingBytes: 1024 * 1024,
  maxBufferedEvents: 10_000,
};

/**
 * Serves `GET /events`: each connection is an {@link EventStream} over the user's Redis channel and
 * `events` rows. Every query is scoped to the caller, so a stream carries nobody else's events.
 */
@Injectable()
export class EventStreamService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(EventStreamService.name);
  private readonly streams = new Set<EventStream>();

  constructor(
    private readonly events: PlatformEventsRepository,
    private readonly redis: RedisRepository,
    private readonly connections: EventStreamConnections,
  ) {}

  /**
   * Streams until the client goes away. Answers 429 (nothing written yet) when the user has as many
   * streams open as the quota allows, and 503 when Redis cannot be reached.
   */
  async stream(userId: string, lastEventId: string | undefined, response: Response): Promise<void> {
    let release: () => void;
    try {
      release = await this.connections.open(userId);
    } catch (error) {
      if (error instanceof QuotaExceededError) throw error;
      this.logger.warn(`event-stream quota for ${userId} unavailable: ${error instanceof Error ? error.message : String(error)}`);
      throw new DomainError('unavailable', 'Live events are unavailable; retry shortly');
    }
    // The client may have gone while Redis answered; the stream below would never see it go.
    if (response.destroyed) return release();
    const stream = new EventStream(response, this.sourceFor(userId), { ...STREAM_SETTINGS, lastEventId });
    stream.onClose(release);
    try {
      await stream.subscribe();
    } catch (error) {
      stream.close('abort');
      this.logger.warn(`live events for ${userId} unavailable: ${error instanceof Error ? error.message : String(error)}`);
      throw new DomainError('unavailable', 'Live events are unavailable; retry shortly');
    }
    if (stream.closed) return;

    this.streams.add(stream);
    stream.onClose(() => this.streams.delete(stream));
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      // nginx and similar proxies would otherwise hold events back in their buffers.
      'X-Accel-Buffering': 'no',
    });
    response.flushHeaders();
    response.socket?.setNoDelay(true);
    try {
      await stream.start();
    } catch (error) {
      // The headers are out, so no error status is possible: end, and the client reconnects after `retry`.
      this.logger.warn(`event replay for ${userId} failed: ${error instanceof Error ? error.message : String(error)}`);
      stream.close();
    }
  }

  /** Ends open streams so the HTTP server can close; clients reconnect to another instance. */
  beforeApplicationShutdown(): void {
    for (const stream of [...this.streams]) stream.close();
  }

  private sourceFor(userId: string): UserEventSource {
    return {
      subscribe: (onEvent, onEnded) =>
        this.redis.subscribe(userEventsChannel(userId), (payload) => {
          if (isLiveEvent(payload)) onEvent(payload);
          else if (isStreamsEnded(payload)) onEnded();
        }),
      eventsAfter: (afterId, limit) => this.events.pageForUserAfter(userId, afterId, limit),
      latestEventId: () => this.events.latestIdForUser(userId),
    };
  }
}
