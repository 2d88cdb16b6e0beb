import type { RunProgress } from '@lockbox/analysis-sdk/sandbox';
import { ProgressThrottle } from './progress-throttle';

describe('ProgressThrottle', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function setUp(): { throttle: ProgressThrottle; flushed: RunProgress[] } {
    const flushed: RunProgress[] = [];
    const throttle = new ProgressThrottle(500, async (progress) => {
      flushed.push(progress);
    });
    return { throttle, flushed };
  }

  it('passes the first report on at once and then at most one per interval, ending with the latest', async () => {
    const { throttle, flushed } = setUp();
    throttle.report({ progress: 0.1, message: 'first' });
    await jest.advanceTimersByTimeAsync(0);
    expect(flushed).toEqual([{ progress: 0.1, message: 'first' }]);

    for (let step = 2; step <= 9; step++) throttle.report({ progress: step / 10, message: `step ${step}` });
    await jest.advanceTimersByTimeAsync(499);
    expect(flushed).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(flushed).toEqual([
      { progress: 0.1, message: 'first' },
      { progress: 0.9, message: 'step 9' },
    ]);
  });

  it('drops what is pending on close and passes nothing on afterwards', async () => {
    const { throttle, flushed } = setUp();
    throttle.report({ progress: 0.1, message: '' });
    await jest.advanceTimersByTimeAsync(0);
    throttle.report({ progress: 0.5, message: 'pending' });
    await throttle.close();
    throttle.report({ progress: 0.7, message: 'late' });
    await jest.advanceTimersByTimeAsync(5_000);
    expect(flushed).toEqual([{ progress: 0.1, message: '' }]);
  });

  it('keeps going after a flush fails', async () => {
    const flushed: number[] = [];
    const throttle = new ProgressThrottle(100, async (progress) => {
      if (progress.progress === 0.1) throw new Error('database away');
      flushed.push(progress.progress);
    });
    throttle.report({ progress: 0.1, message: '' });
    await jest.advanceTimersByTimeAsync(0);
    throttle.report({ progress: 0.2, message: '' });
    await jest.advanceTimersByTimeAsync(100);
    expect(flushed).toEqual([0.2]);
  });
});
