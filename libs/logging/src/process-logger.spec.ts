import { Logger } from '@nestjs/common';
import { NestLogger } from './nest-logger';
import { runWithLogContext } from './log-context';
import { createProcessLogger, type ProcessLoggerOptions, serializeError, usesPrettyOutput } from './process-logger';

/** A process logger writing its JSON lines to an array. */
function capture(options: Partial<ProcessLoggerOptions> = {}): { lines: Array<Record<string, unknown>>; logger: ReturnType<typeof createProcessLogger> } {
  const lines: Array<Record<string, unknown>> = [];
  const destination = { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) };
  return { lines, logger: createProcessLogger({ service: 'worker', level: 'info', format: 'json', destination, ...options }) };
}

describe('createProcessLogger', () => {
  it('writes JSON lines with level, time, service and the work context', () => {
    const { lines, logger } = capture();
    runWithLogContext({ correlationId: 'req-1', runId: 'run-1', jobType: 'run.execute', attempt: 2 }, () =>
      logger.info({ context: 'RunExecuteHandler' }, 'run run-1: succeeded'),
    );
    expect(lines).toEqual([
      {
        level: 'info',
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        service: 'worker',
        pid: process.pid,
        hostname: expect.any(String),
        correlationId: 'req-1',
        runId: 'run-1',
        jobType: 'run.execute',
        attempt: 2,
        context: 'RunExecuteHandler',
        msg: 'run run-1: succeeded',
      },
    ]);
  });

  it('writes the levels LOCKBOX_LOG_LEVEL lets through, and no other', () => {
    const { lines, logger } = capture({ level: 'warn' });
    logger.info('not this');
    logger.debug('nor this');
    logger.warn('this');
    logger.error('and this');
    expect(lines.map((line) => [line.level, line.msg])).toEqual([
      ['warn', 'this'],
      ['error', 'and this'],
    ]);
  });

  it('redacts secret and personal keys of what it is given, and scrubs its messages', () => {
    const { lines, logger } = capture();
    logger.info(
      {
        authorization: 'Bearer abc',
        request: { headers: { cookie: 'session=1' }, email: 'a@b.example', params: { topN: 5 } },
        databaseUrl: 'postgres://u:p@h/d',
      },
      'registration refused for carol@example.org',
    );
    logger.info({ route: '/api/v1/nothing/grace@example.net', status: 404 }, 'GET (no route) 404');
    const text = JSON.stringify(lines);
    for (const secret of ['Bearer abc', 'session=1', 'a@b.example', 'topN', 'u:p@', 'carol@example.org', 'grace@example.net'])
      expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({
      authorization: '[redacted]',
      request: { headers: { cookie: '[redacted]' }, email: '[redacted]', params: '[redacted]' },
      msg: 'registration refused for [email]',
    });
    expect(lines[1]).toMatchObject({ route: '/api/v1/nothing/[email]', status: 404 });
  });

  it("shows an error's type, code, message and stack, scrubbed, and nothing else it carries", () => {
    const { lines, logger } = capture();
    const failed = Object.assign(new Error('duplicate key value violates unique constraint "users_email_key"'), {
      code: '23505',
      parameters: ['dave@example.com', 'scrypt$hash'],
      query: 'INSERT INTO users',
    });
    logger.error({ err: failed }, 'registration failed');
    expect(lines[0]!.err).toEqual({ type: 'Error', code: '23505', message: failed.message, stack: expect.stringContaining('users_email_key') });
    expect(JSON.stringify(lines)).not.toContain('dave@example.com');
    expect(JSON.stringify(lines)).not.toContain('scrypt$hash');
  });
});

describe('serializeError', () => {
  it('withholds what a JSON parse error quotes of its input, and follows causes a few levels', () => {
    let parseError: unknown;
    try {
      JSON.parse('erin@example.com wrote this');
    } catch (error) {
      parseError = error;
    }
    const serialized = serializeError(new Error('reading a record failed', { cause: parseError }));
    expect(JSON.stringify(serialized)).not.toContain('erin');
    expect(serialized.cause).toMatchObject({ type: 'SyntaxError', message: expect.stringContaining('not valid JSON') });
    expect(serializeError('a plain string about frank@example.com')).toEqual({ type: 'string', message: 'a plain string about [email]' });
  });
});

describe('usesPrettyOutput', () => {
  it('is pretty on a terminal and JSON elsewhere by default; LOCKBOX_LOG_FORMAT decides when set', () => {
    expect(usesPrettyOutput('auto', true)).toBe(true);
    expect(usesPrettyOutput('auto', false)).toBe(false);
    expect(usesPrettyOutput('json', true)).toBe(false);
    expect(usesPrettyOutput('pretty', false)).toBe(true);
  });
});

describe('NestLogger', () => {
  // Nest keeps the logger it was given in this static field; restored after each test.
  const original: unknown = (Logger as unknown as Record<string, unknown>).staticInstanceRef;

  afterEach(() => Logger.overrideLogger(original as never));

  it('turns every `new Logger(Context)` call into a line with its context, fields and stack', () => {
    const { lines, logger } = capture({ level: 'debug' });
    Logger.overrideLogger(new NestLogger(logger));
    const runs = new Logger('RunsService');
    runs.log('run r-1 queued', { runId: 'r-1' });
    runs.warn('slow');
    runs.error('unexpected', 'Error: boom\n    at somewhere (file.ts:1:1)');
    runs.error(new Error('thrown'));
    Logger.log('API listening', 'Lockbox');
    expect(lines.map(({ level, context, msg, runId, stack }) => ({ level, context, msg, runId, stack }))).toEqual([
      { level: 'info', context: 'RunsService', msg: 'run r-1 queued', runId: 'r-1', stack: undefined },
      { level: 'warn', context: 'RunsService', msg: 'slow', runId: undefined, stack: undefined },
      { level: 'error', context: 'RunsService', msg: 'unexpected', runId: undefined, stack: 'Error: boom\n    at somewhere (file.ts:1:1)' },
      { level: 'error', context: 'RunsService', msg: 'thrown', runId: undefined, stack: undefined },
      { level: 'info', context: 'Lockbox', msg: 'API listening', runId: undefined, stack: undefined },
    ]);
    expect(lines[3]!.err).toMatchObject({ type: 'Error', message: 'thrown' });
  });

  it("puts Nest's start-up chatter at debug", () => {
    const { lines, logger } = capture({ level: 'info' });
    Logger.overrideLogger(new NestLogger(logger));
    new Logger('RouterExplorer').log('Mapped {/api/v1/runs, POST} route');
    new Logger('InstanceLoader').log('AppModule dependencies initialized');
    new Logger('Lockbox').log('worker started');
    expect(lines.map((line) => line.msg)).toEqual(['worker started']);
  });
});
