import { notificationFor } from '@lockbox/db';
import { overdueVerdict } from './overdue-runs.service';

describe('overdue runs', () => {
  it('end out of time, saying the platform ended them and why', () => {
    const verdict = overdueVerdict({ cancelRequested: false, deadlineSeconds: 90 });
    expect(verdict).toMatchObject({ status: 'timed_out', reason: 'deadline' });
    expect(verdict.message).toBe('The run did not finish within its 90 s deadline and the worker running it stopped answering, so the platform ended it.');
    expect(notificationFor('Sleeper', verdict).title).toBe('Sleeper ran out of time');
  });

  it('end cancelled when the user had asked for a cancel the worker never carried out', () => {
    const verdict = overdueVerdict({ cancelRequested: true, deadlineSeconds: 90 });
    expect(verdict).toMatchObject({ status: 'cancelled', reason: 'by_user' });
    expect(notificationFor('Sleeper', verdict).title).toBe('Sleeper was cancelled');
  });
});
