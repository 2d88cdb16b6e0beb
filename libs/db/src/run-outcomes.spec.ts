import { quarantineReason } from './quarantine';
import { exhaustedRunVerdict, notificationFor } from './run-outcomes';

describe('exhaustedRunVerdict', () => {
  it('fails a run out of attempts as attempts_exhausted, saying how many were tried', () => {
    const verdict = exhaustedRunVerdict({ cancelRequested: false, versionSuspended: false, lostAttempts: 3 });
    expect(verdict).toEqual({
      status: 'failed',
      reason: 'attempts_exhausted',
      message: expect.stringMatching(/^The run was tried 3 times and each attempt stopped the worker/),
    });
    expect(notificationFor('Sleeper', verdict)).toEqual({ title: 'Sleeper failed', body: verdict.message });
  });

  it('still says cancelled when the user asked for it, or the version was suspended meanwhile', () => {
    expect(exhaustedRunVerdict({ cancelRequested: true, versionSuspended: true, lostAttempts: 3 })).toMatchObject({ status: 'cancelled', reason: 'by_user' });
    expect(exhaustedRunVerdict({ cancelRequested: false, versionSuspended: true, lostAttempts: 3 })).toMatchObject({
      status: 'cancelled',
      reason: 'analysis_suspended',
    });
  });
});

describe('quarantineReason', () => {
  it('names the job that ran out of attempts', () => {
    expect(quarantineReason({ job: 'run', jobId: 'r-1', lostAttempts: 3 })).toBe('3 attempts of run r-1 each killed or stalled the worker running it');
    expect(quarantineReason({ job: 'check', jobId: 'v-1', lostAttempts: 2 })).toBe(
      '2 attempts of its automated check each killed or stalled the worker running it',
    );
  });
});
