import { describeStepTimes, parseStepTimes, StepClock } from './step-times';

describe('StepClock', () => {
  it('records a step that throws as well as one that succeeds, and hands out a copy', async () => {
    const clock = new StepClock();
    await expect(clock.time('create', () => Promise.resolve('created'))).resolves.toBe('created');
    await expect(clock.time('start', () => Promise.reject(new Error('engine down')))).rejects.toThrow('engine down');
    const snapshot = clock.snapshot();
    expect(Object.keys(snapshot).sort()).toEqual(['create', 'start']);
    clock.record('wait', 12.345);
    expect(snapshot.wait).toBeUndefined();
    expect(clock.snapshot().wait).toBe(12.3);
  });
});

describe('describeStepTimes and parseStepTimes', () => {
  it('writes the steps in the run order, in whole milliseconds, and reads them back', () => {
    const field = describeStepTimes({ remove: 40.4, create: 41.6, image: 2, wait: 55 });
    expect(field).toBe('image:2,create:42,wait:55,remove:40');
    expect(parseStepTimes(field)).toEqual({ image: 2, create: 42, wait: 55, remove: 40 });
  });

  it('is empty for a run that reached no step', () => {
    expect(describeStepTimes({})).toBe('');
    expect(parseStepTimes('')).toEqual({});
  });

  it('skips unknown steps and malformed pairs rather than inventing figures', () => {
    expect(parseStepTimes('image:2,bogus:5,create:x,start:,wait:7:8,remove:-1,unmount:3')).toEqual({ image: 2, unmount: 3 });
  });
});
