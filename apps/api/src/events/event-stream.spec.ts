import { PassThrough } from 'node:stream';
import type { LiveEvent } from '@lockbox/events';
import { EventStream, type EventStreamOptions, formatSseEvent, isLiveEvent, type UserEventSource } from './event-stream';

function event(id: string, type = 'run.succeeded'): LiveEvent {
  return { id, type, subjectId: null, payload: { n: id }, createdAt: '2026-01-01T00:00:00.000Z' };
}

/** A fake user event source: stored rows plus a live channel the test publishes on. */
class FakeSource implements UserEventSource {
  rows: LiveEvent[] = [];
  live?: (event: LiveEvent) => void;
  ended?: () => void;
  unsubscribed = 0;
  /** Runs before each page of the replay is answered, to interleave live events with it. */
  beforePage?: (afterId: string) => void;
  subscribeGate?: Promise<void>;

  async subscribe(onEvent: (event: LiveEvent) => void, onEnded: () => void): Promise<() => Promise<void>> {
    await this.subscribeGate;
    this.live = onEvent;
    this.ended = onEnded;
    return async () => {
      this.unsubscribed++;
      this.live = undefined;
    };
  }

  async eventsAfter(afterId: string, limit: number): Promise<LiveEvent[]> {
    this.beforePage?.(afterId);
    return this.rows.filter((row) => BigInt(row.id) > BigInt(afterId)).slice(0, limit);
  }

  async latestEventId(): Promise<string> {
    return this.rows.at(-1)?.id ?? '0';
  }

  publish(published: LiveEvent): void {
    this.live?.(published);
  }
}

const OPTIONS: EventStreamOptions = { retryMs: 2000, keepaliveMs: 15_000, replayPageSize: 2, maxPendingBytes: 1024 * 1024, maxBufferedEvents: 100 };

function collect(out: PassThrough): () => string {
  let text = '';
  out.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return () => text;
}

/** The ids of the SSE messages written so far, in order ('' for one without an id line). */
function sentIds(text: string): string[] {
  return text
    .split('\n\n')
    .filter((block) => block.includes('data: '))
    .map((block) => /^id: (.*)$/m.exec(block)?.[1] ?? '');
}

async function open(source: FakeSource, options: Partial<EventStreamOptions> = {}): Promise<{ stream: EventStream; out: PassThrough; text: () => string }> {
  const out = new PassThrough();
  const text = collect(out);
  const stream = new EventStream(out, source, { ...OPTIONS, ...options });
  await stream.subscribe();
  await stream.start();
  return { stream, out, text };
}

describe('formatSseEvent', () => {
  it('writes id, event and one data line of JSON', () => {
    const formatted = formatSseEvent({ ...event('7'), payload: { text: 'two\nlines' } });
    expect(formatted).toBe(
      'id: 7\nevent: run.succeeded\ndata: {"id":"7","type":"run.succeeded","subjectId":null,"payload":{"text":"two\\nlines"},"createdAt":"2026-01-01T00:00:00.000Z"}\n\n',
    );
  });

  it('leaves out the id line of a transient event, so it never moves Last-Event-ID', () => {
    expect(formatSseEvent(event('', 'run.progress'))).toMatch(/^event: run\.progress\ndata: /);
  });

  it('cannot be made to forge fields through the type', () => {
    expect(
      formatSseEvent(event('1', 'x\nid: 999'))
        .split('\n')
        .filter((line) => line.startsWith('id:')),
    ).toEqual(['id: 1']);
  });
});

describe('isLiveEvent', () => {
  it('accepts the published shape only', () => {
    expect(isLiveEvent(event('1'))).toBe(true);
    expect(isLiveEvent({ id: 1, type: 'x' })).toBe(false);
    expect(isLiveEvent(null)).toBe(false);
    expect(isLiveEvent('text')).toBe(false);
  });
});

describe('EventStream', () => {
  it('starts with retry and, without Last-Event-ID, only the newest id (no data), then goes live', async () => {
    const source = new FakeSource();
    source.rows = [event('1'), event('2')];
    const { text } = await open(source);
    expect(text()).toBe('retry: 2000\n\nid: 2\n\n');
    source.publish(event('3'));
    expect(sentIds(text())).toEqual(['3']);
  });

  it('replays the rows after Last-Event-ID in order, page by page, and nothing earlier', async () => {
    const source = new FakeSource();
    source.rows = ['1', '2', '3', '4', '5'].map((id) => event(id));
    const { text } = await open(source, { lastEventId: '2' });
    expect(text().startsWith('retry: 2000\n\n')).toBe(true);
    expect(sentIds(text())).toEqual(['3', '4', '5']);
  });

  it('holds live events back during the replay and sends each id once, in neither a gap nor a duplicate', async () => {
    const source = new FakeSource();
    source.rows = [event('1'), event('2'), event('3')];
    source.beforePage = (afterId) => {
      if (afterId !== '1') return;
      // Event 3 is committed and published while the replay runs; event 4 is published before it is read.
      source.publish(event('3'));
      source.rows.push(event('4'));
      source.publish(event('4'));
      source.publish(event('', 'run.progress'));
    };
    const { text } = await open(source, { lastEventId: '1' });
    expect(sentIds(text())).toEqual(['2', '3', '4', '']);
    // A publish that trails its commit arrives after the replay sent the row: still skipped.
    source.publish(event('3'));
    source.publish(event('5'));
    expect(sentIds(text())).toEqual(['2', '3', '4', '', '5']);
  });

  it('sends keepalive comments', async () => {
    jest.useFakeTimers();
    try {
      const source = new FakeSource();
      const { text, stream } = await open(source, { keepaliveMs: 15_000 });
      jest.advanceTimersByTime(31_000);
      expect(text().match(/^:keepalive$/gm)).toHaveLength(2);
      stream.close();
      jest.advanceTimersByTime(31_000);
      expect(text().match(/^:keepalive$/gm)).toHaveLength(2);
    } finally {
      jest.useRealTimers();
    }
  });

  it('ends, and unsubscribes, when the account’s credentials change', async () => {
    const source = new FakeSource();
    const { stream, out } = await open(source);
    await stream.start();
    source.ended!();
    expect(stream.closed).toBe(true);
    expect(out.writableEnded).toBe(true);
    expect(source.unsubscribed).toBe(1);
  });

  it('unsubscribes when the client goes away', async () => {
    const source = new FakeSource();
    const { out, stream } = await open(source);
    out.destroy();
    await new Promise((resolve) => setImmediate(resolve));
    expect(stream.closed).toBe(true);
    expect(source.unsubscribed).toBe(1);
    expect(source.live).toBeUndefined();
  });

  it('unsubscribes when the client went away while Redis was confirming the subscription', async () => {
    const source = new FakeSource();
    let confirm = (): void => undefined;
    source.subscribeGate = new Promise((resolve) => (confirm = resolve));
    const out = new PassThrough();
    const stream = new EventStream(out, source, OPTIONS);
    const subscribing = stream.subscribe();
    stream.close();
    confirm();
    await subscribing;
    expect(source.unsubscribed).toBe(1);
  });

  it('cuts off a client that does not read, instead of holding its events in memory', async () => {
    const source = new FakeSource();
    const out = new PassThrough({ highWaterMark: 16 });
    const stream = new EventStream(out, source, { ...OPTIONS, maxPendingBytes: 4096 });
    await stream.subscribe();
    await stream.start();
    for (let index = 1; index <= 100 && !stream.closed; index++) source.publish(event(String(index)));
    expect(stream.closed).toBe(true);
    expect(out.destroyed).toBe(true);
    expect(source.unsubscribed).toBe(1);
  });
});
