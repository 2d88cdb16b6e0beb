import type { Writable } from 'node:stream';
import type { LiveEvent } from '@lockbox/events';

/** Where one user's events come from: the Redis channel (live) and the `events` rows (replay). */
export interface UserEventSource {
  /**
   * Resolves once Redis has confirmed the subscription; returns the unsubscribe. `onEnded`: the account's
   * credentials changed, so the stream must end.
   */
  subscribe(onEvent: (event: LiveEvent) => void, onEnded: () => void): Promise<() => Promise<void>>;
  /** The user's stored events with an id above `afterId`, oldest first, at most `limit`. */
  eventsAfter(afterId: string, limit: number): Promise<LiveEvent[]>;
  /** The id of the user's newest stored event, or '0' when there is none. */
  latestEventId(): Promise<string>;
}

export interface EventStreamOptions {
  /** From `Last-Event-ID`: replay the stored events after it. Without it the stream is live only. */
  lastEventId?: string;
  /** How long the browser waits before it reconnects (the SSE `retry:` field). */
  retryMs: number;
  keepaliveMs: number;
  replayPageSize: number;
  /** A client that lets this much pile up unread is cut off; it reconnects and is replayed from the rows. */
  maxPendingBytes: number;
  /** Live events held back while the replay runs; past this the stream is cut off the same way. */
  maxBufferedEvents: number;
}

/** One SSE message. Transient events (`id: ''`, e.g. progress) get no `id:` line, so they never move Last-Event-ID. */
export function formatSseEvent(event: LiveEvent): string {
  const idLine = event.id ? `id: ${event.id}\n` : '';
  // The type is ours, but a line break in it would forge fields; JSON.stringify never emits a raw one.
  return `${idLine}event: ${event.type.replace(/[\r\n]/g, '')}\ndata: ${JSON.stringify(event)}\n\n`;
}

export function isLiveEvent(value: unknown): value is LiveEvent {
  const event = value as Partial<LiveEvent> | null;
  return typeof event === 'object' && event !== null && typeof event.id === 'string' && typeof event.type === 'string';
}

/**
 * One client's Server-Sent Events connection.
 *
 * Replay and live must leave neither gaps nor duplicates, so the stream subscribes first and holds live
 * events back while it replays the rows after Last-Event-ID; then it flushes what it held, skipping ids
 * the replay already sent (and keeps skipping them: an event's publish can trail its commit).
 *
 * Without Last-Event-ID it replays nothing: a client loads current state over REST. It does send the
 * user's newest event id (an `id:` field with no data, which sets the browser's Last-Event-ID without
 * firing an event), so that a reconnect replays whatever happened while the connection was down.
 */
export class EventStream {
  private phase: 'subscribing' | 'replaying' | 'live' | 'closed' = 'subscribing';
  private held: LiveEvent[] = [];
  private readonly replayedIds = new Set<string>();
  private unsubscribe?: () => Promise<void>;
  private keepalive?: NodeJS.Timeout;
  private readonly closeListeners = new Set<() => void>();

  constructor(
    private readonly out: Writable,
    private readonly source: UserEventSource,
    private readonly options: EventStreamOptions,
  ) {
    out.on('close', () => this.close());
    out.on('error', () => this.close());
  }

  get closed(): boolean {
    return this.phase === 'closed';
  }

  /** Calls `listener` once the stream is closed, for whatever reason; returns a function that removes it. */
  onClose(listener: () => void): () => void {
    if (this.closed) {
      listener();
      return () => undefined;
    }
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** Subscribes before anything is written, so a Redis failure can still be answered with an error status. */
  async subscribe(): Promise<void> {
    const unsubscribe = await this.source.subscribe(
      (event) => this.receive(event),
      () => this.close(),
    );
    this.unsubscribe = unsubscribe;
    // The client may have gone while Redis confirmed.
    if (this.closed) await unsubscribe();
  }

  /** Writes the preamble and the replay, then goes live. The response headers must already be out. */
  async start(): Promise<void> {
    if (this.closed) return;
    this.phase = 'replaying';
    this.write(`retry: ${this.options.retryMs}\n\n`);
    this.keepalive = setInterval(() => this.write(':keepalive\n\n'), this.options.keepaliveMs);
    this.keepalive.unref();
    if (this.options.lastEventId === undefined) this.write(`id: ${await this.source.latestEventId()}\n\n`);
    else await this.replay(this.options.lastEventId);
    if (this.closed) return;
    const held = this.held;
    this.held = [];
    this.phase = 'live';
    for (const event of held) this.send(event);
  }

  /** Ends the response; `abort` drops what the client has not read yet (a client that does not keep up). */
  close(mode: 'end' | 'abort' = 'end'): void {
    if (this.closed) return;
    this.phase = 'closed';
    this.held = [];
    clearInterval(this.keepalive);
    void this.unsubscribe?.().catch(() => undefined);
    if (mode === 'abort') this.out.destroy();
    else if (!this.out.writableEnded && !this.out.destroyed) this.out.end();
    const listeners = [...this.closeListeners];
    this.closeListeners.clear();
    for (const listener of listeners) listener();
  }

  private receive(event: LiveEvent): void {
    if (this.phase === 'live') {
      this.send(event);
    } else if (this.phase === 'subscribing' || this.phase === 'replaying') {
      this.held.push(event);
      if (this.held.length > this.options.maxBufferedEvents) this.close('abort');
    }
  }

  private async replay(afterId: string): Promise<void> {
    let cursor = afterId;
    for (;;) {
      const page = await this.source.eventsAfter(cursor, this.options.replayPageSize);
      for (const event of page) {
        this.replayedIds.add(event.id);
        this.write(formatSseEvent(event));
      }
      if (page.length < this.options.replayPageSize || this.closed) return;
      cursor = page[page.length - 1]!.id; // a full page: not empty
      await this.drained();
    }
  }

  private send(event: LiveEvent): void {
    if (event.id && this.replayedIds.has(event.id)) return;
    this.write(formatSseEvent(event));
  }

  private write(chunk: string): void {
    if (this.closed) return;
    this.out.write(chunk);
    if (this.out.writableLength > this.options.maxPendingBytes) this.close('abort');
  }

  /** Waits for the client to read what was written, so a long replay never sits in memory. */
  private async drained(): Promise<void> {
    if (this.closed || !this.out.writableNeedDrain) return;
    await new Promise<void>((resolve) => {
      let removeCloseListener = (): void => undefined;
      const done = (): void => {
        this.out.off('drain', done);
        removeCloseListener();
        resolve();
      };
      this.out.on('drain', done);
      removeCloseListener = this.onClose(done);
    });
  }
}
