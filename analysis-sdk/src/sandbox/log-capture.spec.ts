import { PassThrough } from 'node:stream';
import { LogCapture, PROGRESS_LINE_MAX_BYTES, parseProgressLine, type RunProgress } from './log-capture';

/** One engine frame: [stream, 0, 0, 0, size (uint32 BE)] + payload. */
function frame(stream: 1 | 2, payload: string | Buffer): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

function capture(options: Partial<ConstructorParameters<typeof LogCapture>[0]> = {}) {
  const progress: RunProgress[] = [];
  let limits = 0;
  const logs = new LogCapture({
    keptBytes: 1024,
    killBytes: 4096,
    onProgress: (p) => progress.push(p),
    onLimit: () => limits++,
    ...options,
  });
  return { logs, progress, limitCalls: () => limits };
}

describe('LogCapture framing', () => {
  const stream = Buffer.concat([frame(1, 'hello '), frame(2, 'world\n'), frame(1, ''), frame(1, 'bye\n')]);

  it('joins the payloads of stdout and stderr in arrival order, without headers', () => {
    const { logs } = capture();
    logs.write(stream);
    expect(logs.logs.toString()).toBe('hello world\nbye\n');
    expect(logs.totalBytes).toBe(16);
  });

  it('handles frames split at every byte', () => {
    const { logs } = capture();
    for (let i = 0; i < stream.length; i++) logs.write(stream.subarray(i, i + 1));
    expect(logs.logs.toString()).toBe('hello world\nbye\n');
    expect(logs.totalBytes).toBe(16);
  });

  it('keeps only the first keptBytes and counts the rest', () => {
    const { logs, limitCalls } = capture({ keptBytes: 10 });
    logs.write(frame(1, 'a'.repeat(8)));
    logs.write(frame(2, 'b'.repeat(8)));
    expect(logs.logs.toString()).toBe('aaaaaaaabb');
    expect(logs.totalBytes).toBe(16);
    expect(limitCalls()).toBe(0);
  });

  it('calls onLimit once when the total passes killBytes, not at it', () => {
    const { logs, limitCalls } = capture({ keptBytes: 10, killBytes: 100 });
    logs.write(frame(1, 'x'.repeat(100)));
    expect(limitCalls()).toBe(0);
    expect(logs.limitExceeded).toBe(false);
    logs.write(frame(1, 'x'));
    expect(limitCalls()).toBe(1);
    expect(logs.limitExceeded).toBe(true);
    logs.write(frame(1, 'x'.repeat(1000)));
    expect(limitCalls()).toBe(1);
    expect(logs.totalBytes).toBe(1101);
    expect(logs.logs.length).toBe(10);
  });

  it('consumes a stream to its end', async () => {
    const { logs } = capture();
    const source = new PassThrough();
    const done = logs.consume(source);
    source.write(stream.subarray(0, 5));
    source.end(stream.subarray(5));
    await done;
    expect(logs.logs.toString()).toBe('hello world\nbye\n');
    expect(logs.streamError).toBeUndefined();
  });

  it('resolves and records the error when the stream fails', async () => {
    const { logs } = capture();
    const source = new PassThrough();
    const done = logs.consume(source);
    source.write(frame(1, 'partial'));
    source.destroy(new Error('socket hang up'));
    await done;
    expect(logs.logs.toString()).toBe('partial');
    expect(logs.streamError?.message).toBe('socket hang up');
  });
});

describe('LogCapture progress', () => {
  it('reports complete stderr progress lines, including ones split across frames', () => {
    const { logs, progress } = capture();
    logs.write(frame(2, '{"progress":0.25,"message":"Reading posts"}\n{"progress":0.'));
    expect(progress).toEqual([{ progress: 0.25, message: 'Reading posts' }]);
    logs.write(frame(2, '5}\r\n'));
    expect(progress).toEqual([
      { progress: 0.25, message: 'Reading posts' },
      { progress: 0.5, message: '' },
    ]);
  });

  it('ignores progress lines on stdout, and lines that are not progress', () => {
    const { logs, progress } = capture();
    logs.write(frame(1, '{"progress":0.3}\n'));
    logs.write(frame(2, 'plain text\n{"progress":2}\n{"progress":"0.4"}\n[1]\n{"progress":0.4\n'));
    expect(progress).toEqual([]);
    expect(logs.logs.toString()).toContain('plain text');
  });

  it('survives a flood without newlines: the long line is dropped and the next line parsed', () => {
    const { logs, progress } = capture({ keptBytes: 100, killBytes: 10 * 1024 * 1024 });
    for (let i = 0; i < 100; i++) logs.write(frame(2, `{"progress":0.1,"message":"${'x'.repeat(10_000)}`));
    expect(progress).toEqual([]);
    logs.write(frame(2, '"}\n{"progress":0.9,"message":"after"}\n'));
    expect(progress).toEqual([{ progress: 0.9, message: 'after' }]);
    expect(logs.logs.length).toBe(100);
    expect(logs.totalBytes).toBeGreaterThan(1_000_000);
  });

  it('accepts a progress line of exactly the line cap and drops one byte longer', () => {
    const line = (length: number) => {
      const prefix = '{"progress":0.5,"message":"';
      return `${prefix}${'m'.repeat(length - prefix.length - 2)}"}`;
    };
    const { logs, progress } = capture({ killBytes: 100_000 });
    logs.write(frame(2, `${line(PROGRESS_LINE_MAX_BYTES)}\n`));
    logs.write(frame(2, `${line(PROGRESS_LINE_MAX_BYTES + 1)}\n`));
    expect(progress).toHaveLength(1);
    expect(progress[0]!.message).toHaveLength(200);
  });

  it('keeps reading when a progress listener throws', () => {
    const logs = new LogCapture({
      keptBytes: 100,
      killBytes: 1000,
      onProgress: () => {
        throw new Error('listener bug');
      },
    });
    expect(() => logs.write(frame(2, '{"progress":1}\nafter\n'))).not.toThrow();
    expect(logs.logs.toString()).toBe('{"progress":1}\nafter\n');
  });
});

describe('parseProgressLine', () => {
  it('reads progress and a cleaned, capped message', () => {
    expect(parseProgressLine('{"progress":0,"message":"start"}')).toEqual({ progress: 0, message: 'start' });
    expect(parseProgressLine(' {"progress":1} ')).toEqual({ progress: 1, message: '' });
    expect(parseProgressLine('{"progress":0.5,"message":"a\\u0000b\\tc"}')).toEqual({ progress: 0.5, message: 'a b c' });
    expect(parseProgressLine(`{"progress":0.5,"message":"${'y'.repeat(500)}"}`)?.message).toHaveLength(200);
  });

  it('drops ANSI escape sequences, bidi controls and invisible characters from the message', () => {
    const line = JSON.stringify({
      progress: 0.5,
      message: '\u001b[2J\u001b[31mReading\u001b[0m \u202egnp.exe\u202c \u2067posts\u2069\u200b\u001b]8;;https://evil.example\u0007here\u001b]8;;\u0007',
    });
    expect(parseProgressLine(line)).toEqual({ progress: 0.5, message: 'Reading gnp.exe postshere' });
  });

  it('rejects anything else', () => {
    for (const line of ['', 'progress 0.5', '{"progress":-0.1}', '{"progress":1.5}', '{"message":"x"}', '{"progress":null}', '{oops}']) {
      expect(parseProgressLine(line)).toBeUndefined();
    }
  });
});
