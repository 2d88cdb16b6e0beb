import { MAX_PROGRESS_MESSAGE_CHARS, ProgressReporter, progress } from './progress';

function reporter(minIntervalMs = 250) {
  const lines: string[] = [];
  let now = 1_000;
  const instance = new ProgressReporter({ write: (line) => lines.push(line), now: () => now, minIntervalMs });
  return { instance, lines, advance: (ms: number) => (now += ms) };
}

describe('ProgressReporter', () => {
  it('writes one JSON line per report, as the container contract describes', () => {
    const { instance, lines } = reporter();
    expect(instance.report(0.4, 'Counting posts')).toBe(true);
    expect(lines).toEqual(['{"progress":0.4,"message":"Counting posts"}\n']);
  });

  it('clamps to 0..1, ignores NaN and writes a multi-line message as one line', () => {
    const { instance, lines, advance } = reporter(0);
    instance.report(-3);
    advance(1);
    instance.report(Number.NaN, 'ignored');
    instance.report(0.5, 'two\nlines');
    instance.report(7, 'done');
    expect(lines).toEqual(['{"progress":0}\n', '{"progress":0.5,"message":"two lines"}\n', '{"progress":1,"message":"done"}\n']);
    expect(lines.every((line) => line.indexOf('\n') === line.length - 1)).toBe(true);
  });

  it('writes the message as the platform shows it: one line of plain text', () => {
    const { instance, lines } = reporter();
    instance.report(0.3, '\u001b[1mBold\u001b[0m \u202eevil\u202c\u200b');
    expect(lines).toEqual(['{"progress":0.3,"message":"Bold evil"}\n']);
  });

  it('cuts long messages', () => {
    const { instance, lines } = reporter();
    instance.report(0.1, 'x'.repeat(5000));
    expect((JSON.parse(lines[0]!) as { message: string }).message).toHaveLength(MAX_PROGRESS_MESSAGE_CHARS);
  });

  it('rate-limits: drops reports within the interval, but never the first or the completion', () => {
    const { instance, lines, advance } = reporter(250);
    for (let i = 0; i < 1000; i++) instance.report(i / 1000);
    expect(lines).toEqual(['{"progress":0}\n']);
    advance(249);
    expect(instance.report(0.5)).toBe(false);
    advance(1);
    expect(instance.report(0.6)).toBe(true);
    expect(instance.report(1, 'done')).toBe(true);
    expect(instance.report(1, 'done again')).toBe(false);
    expect(lines).toEqual(['{"progress":0}\n', '{"progress":0.6}\n', '{"progress":1,"message":"done"}\n']);
  });
});

describe('progress', () => {
  it('writes to stderr', () => {
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      progress(0.25, 'Reading');
      expect(write).toHaveBeenCalledWith('{"progress":0.25,"message":"Reading"}\n');
    } finally {
      write.mockRestore();
    }
  });
});
