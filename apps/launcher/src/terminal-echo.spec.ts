import { echoStyleFor, TerminalEcho } from './terminal-echo';

const LINE = JSON.stringify({
  level: 'info',
  time: '2026-01-05T18:20:00.000Z',
  service: 'worker',
  pid: 1,
  hostname: 'h',
  context: 'RunExecuteHandler',
  runId: 'r-1',
  msg: 'run r-1: succeeded',
});

function echoed(style: 'raw' | 'pretty', chunks: string[]): string {
  let out = '';
  const echo = new TerminalEcho('worker', style, (text) => (out += text));
  for (const chunk of chunks) echo.push(chunk);
  echo.end();
  return out;
}

describe('TerminalEcho', () => {
  it('prefixes whole lines with the process name, however the output was cut into chunks', () => {
    expect(echoed('raw', ['first li', 'ne\nsecond line\n\nthi', 'rd'])).toBe('[worker] first line\n[worker] second line\n[worker] third\n');
  });

  it('shows JSON lines readably when pretty, and anything else as it is', () => {
    // eslint-disable-next-line no-control-regex
    const out = echoed('pretty', [`${LINE}\n`, 'node: a warning\n', '{not json\n']).replace(/\u001b\[[0-9;]*m/g, '');
    const [pretty, warning, broken] = out.split('\n');
    expect(pretty).toMatch(/^\[worker\] \[\d\d:\d\d:\d\d\.\d{3}\] INFO: \[RunExecuteHandler\] run r-1: succeeded/);
    expect(pretty).toContain('"runId":"r-1"');
    expect(pretty).not.toContain('"service"');
    expect([warning, broken]).toEqual(['[worker] node: a warning', '[worker] {not json']);
  });
});

describe('echoStyleFor', () => {
  it('echoes nothing when quiet, pretty on a terminal, and follows LOCKBOX_LOG_FORMAT', () => {
    expect(echoStyleFor({ LOCKBOX_LAUNCHER_QUIET: '1' }, true)).toBe('off');
    expect(echoStyleFor({}, true)).toBe('pretty');
    expect(echoStyleFor({}, false)).toBe('raw');
    expect(echoStyleFor({ LOCKBOX_LOG_FORMAT: 'json' }, true)).toBe('raw');
    expect(echoStyleFor({ LOCKBOX_LOG_FORMAT: 'pretty' }, false)).toBe('pretty');
  });
});
