import type { SandboxOutcome } from '@lockbox/analysis-sdk/sandbox';
import { notificationFor, RUN_FINISHED_EVENT } from '@lockbox/db';
import { sentence, verdictOf } from './run-outcome';

function outcome(overrides: Partial<SandboxOutcome>): SandboxOutcome {
  return {
    status: 'succeeded',
    message: 'the analysis finished',
    containerMs: 10,
    logs: Buffer.alloc(0),
    logBytesTotal: 0,
    artifacts: [],
    steps: {},
    ...overrides,
  };
}

describe('run outcomes', () => {
  it('takes the result summary as the message of a success', () => {
    const verdict = verdictOf(outcome({ result: { schemaVersion: 1, summary: '120 posts, most at 18:00', blocks: [] } }));
    expect(verdict).toEqual({ status: 'succeeded', reason: null, message: '120 posts, most at 18:00' });
  });

  it("keeps the runner's reason and makes its message a sentence", () => {
    expect(verdictOf(outcome({ status: 'failed', reason: 'exit_code', message: 'the analysis exited with code 3' }))).toEqual({
      status: 'failed',
      reason: 'exit_code',
      message: 'The analysis exited with code 3.',
    });
    expect(verdictOf(outcome({ status: 'timed_out', reason: 'deadline', message: 'past its 1 s deadline' })).reason).toBe('deadline');
  });

  it('names the analysis in the notification title and says why in the body', () => {
    const failed = notificationFor('Social engagement', { status: 'failed', reason: 'oom', message: 'It used too much memory.' });
    expect(failed).toEqual({ title: 'Social engagement failed', body: 'It used too much memory.' });
    expect(notificationFor('X', { status: 'succeeded', reason: null, message: 'Done' }).title).toBe('X is ready');
    expect(RUN_FINISHED_EVENT.timed_out).toBe('run.timed_out');
  });

  it('leaves a finished sentence alone', () => {
    expect(sentence('Already fine!')).toBe('Already fine!');
    expect(sentence('  ')).toBe('');
  });
});
