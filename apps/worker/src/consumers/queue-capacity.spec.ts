import { QueueCapacity } from './queue-capacity';

describe('QueueCapacity', () => {
  it('counts what is taken, and each share comes back once however often it is given', () => {
    const capacity = new QueueCapacity(2);
    const first = capacity.take();
    capacity.take();
    expect(capacity.free).toBe(0);
    first();
    first();
    expect(capacity.free).toBe(1);
  });

  it('wakes every waiter when a share comes back', async () => {
    const capacity = new QueueCapacity(1);
    const give = capacity.take();
    let woken = 0;
    const waiting = [capacity.freed().then(() => woken++), capacity.freed().then(() => woken++)];
    await Promise.resolve();
    expect(woken).toBe(0);
    give();
    await Promise.all(waiting);
    expect(woken).toBe(2);
  });
});
