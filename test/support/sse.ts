import { apiUrl } from './session';

/** One dispatched Server-Sent Event, as a browser's EventSource would see it. */
export interface SseEvent {
  /** The `id:` field of this message, or undefined when it had none (transient events such as progress). */
  id?: string;
  /** The stream's Last-Event-ID after this message: what a browser would send on reconnect. */
  lastEventId: string;
  event: string;
  data: string;
  /** `data` parsed as JSON (undefined when it is not JSON). */
  json: any;
}

export interface EventStreamOptions {
  token?: string;
  ticket?: string;
  /** Sent as the `Last-Event-ID` header (as EventSource does on reconnect)... */
  lastEventId?: string;
  /** ...or as the `?lastEventId=` query (as a new EventSource has to). */
  lastEventIdIn?: 'header' | 'query';
}

export interface EventStreamClient {
  status: number;
  headers: Headers;
  /** Every event dispatched so far, in order. */
  readonly events: SseEvent[];
  /** Comment lines (without the colon), e.g. 'keepalive'. */
  readonly comments: string[];
  /** The last `retry:` value the server sent. */
  readonly retryMs: number | undefined;
  /** What a browser would send as Last-Event-ID if it reconnected now. */
  readonly lastEventId: string;
  readonly ended: boolean;
  /**
   * The next event, after the one `next` returned last, that matches `predicate` (events that do not
   * match are skipped, but stay in `events`). Rejects after `timeoutMs` or when the stream ends.
   */
  next(predicate?: (event: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  close(): void;
}

/** Thrown by {@link openEventStream} when the server does not answer 200. */
export class EventStreamRefused extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`GET /events answered ${status}: ${body}`);
  }
}

/**
 * Opens `GET /api/v1/events` with fetch and parses the stream as the WHATWG EventSource algorithm does
 * (fields, comments, `retry`, an `id:` without data that sets Last-Event-ID without dispatching an event).
 * It does not reconnect by itself: a test reconnects explicitly with `lastEventId`.
 */
export async function openEventStream(options: EventStreamOptions): Promise<EventStreamClient> {
  const query = new URLSearchParams();
  if (options.ticket !== undefined) query.set('ticket', options.ticket);
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.lastEventId !== undefined) {
    if (options.lastEventIdIn === 'query') query.set('lastEventId', options.lastEventId);
    else headers['last-event-id'] = options.lastEventId;
  }
  const abort = new AbortController();
  const search = query.size > 0 ? `?${query.toString()}` : '';
  const response = await fetch(`${apiUrl()}/api/v1/events${search}`, { headers, signal: abort.signal });
  if (response.status !== 200 || !response.body) throw new EventStreamRefused(response.status, await response.text());

  const parser = new SseParser(options.lastEventId ?? '');
  const waiters = new Set<() => void>();
  const wake = (): void => {
    for (const waiter of [...waiters]) waiter();
  };
  let ended = false;
  let cursor = 0;

  void (async () => {
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parser.push(decoder.decode(value, { stream: true }));
        wake();
      }
    } catch {
      // aborted by close(), or the connection dropped
    } finally {
      ended = true;
      wake();
    }
  })();

  return {
    status: response.status,
    headers: response.headers,
    events: parser.events,
    comments: parser.comments,
    get retryMs() {
      return parser.retryMs;
    },
    get lastEventId() {
      return parser.lastEventId;
    },
    get ended() {
      return ended;
    },
    async next(predicate = () => true, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        while (cursor < parser.events.length) {
          const candidate = parser.events[cursor++]!;
          if (predicate(candidate)) return candidate;
        }
        if (ended) throw new Error('the event stream ended before a matching event arrived');
        const remaining = deadline - Date.now();
        if (remaining <= 0) throw new Error(`no matching event within ${timeoutMs} ms; received: ${JSON.stringify(parser.events.map((e) => [e.id, e.event]))}`);
        await new Promise<void>((resolve) => {
          const done = (): void => {
            clearTimeout(timer);
            waiters.delete(done);
            resolve();
          };
          const timer = setTimeout(done, remaining);
          waiters.add(done);
        });
      }
    },
    close() {
      abort.abort();
    },
  };
}

/** The event-stream interpretation from the HTML standard, fed with decoded text as it arrives. */
class SseParser {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  retryMs?: number;
  private pending = '';
  private data: string[] = [];
  private eventType = '';
  private idInMessage?: string;

  constructor(public lastEventId: string) {}

  push(text: string): void {
    this.pending += text;
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.pending);
      // A lone trailing \r may be the first half of \r\n: wait for the next chunk.
      if (!match || (match[0] === '\r' && match.index === this.pending.length - 1)) return;
      const line = this.pending.slice(0, match.index);
      this.pending = this.pending.slice(match.index + match[0].length);
      this.line(line);
    }
  }

  private line(line: string): void {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) {
      this.comments.push(line.slice(1));
      return;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.eventType = value;
    else if (field === 'id' && !value.includes('\0')) this.idInMessage = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
  }

  private dispatch(): void {
    if (this.idInMessage !== undefined) this.lastEventId = this.idInMessage;
    const id = this.idInMessage;
    this.idInMessage = undefined;
    const data = this.data.join('\n');
    const hadData = this.data.length > 0;
    const event = this.eventType || 'message';
    this.data = [];
    this.eventType = '';
    if (!hadData) return;
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      json = undefined;
    }
    this.events.push({ id, lastEventId: this.lastEventId, event, data, json });
  }
}
