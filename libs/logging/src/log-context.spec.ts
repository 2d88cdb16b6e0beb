import { setTimeout as sleep } from 'node:timers/promises';
import { EventEmitter } from 'node:events';
import { addToLogContext, bindToLogContext, currentCorrelationId, currentLogContext, isCorrelationId, runWithLogContext } from './log-context';

describe('the log context', () => {
  it('is empty outside any work, and adding to it there changes nothing', () => {
    addToLogContext({ runId: 'r-1' });
    expect(currentLogContext()).toEqual({});
    expect(currentCorrelationId()).toBeUndefined();
  });

  it('follows the work through awaits, timers and the promises it starts', async () => {
    const seen = await runWithLogContext({ correlationId: 'req-1' }, async () => {
      await sleep(5);
      const inTimer = await new Promise((resolve) => setTimeout(() => resolve(currentCorrelationId()), 1));
      const inChild = await Promise.resolve().then(() => currentLogContext());
      return { inTimer, inChild };
    });
    expect(seen).toEqual({ inTimer: 'req-1', inChild: { correlationId: 'req-1' } });
    expect(currentLogContext()).toEqual({});
  });

  it('keeps concurrent works apart', async () => {
    const work = (id: string, delayMs: number) =>
      runWithLogContext({ correlationId: id }, async () => {
        await sleep(delayMs);
        addToLogContext({ runId: `run-of-${id}` });
        await sleep(delayMs);
        return currentLogContext();
      });
    expect(await Promise.all([work('a', 10), work('b', 1)])).toEqual([
      { correlationId: 'a', runId: 'run-of-a' },
      { correlationId: 'b', runId: 'run-of-b' },
    ]);
  });

  it('adds fields for the rest of the work, seen by everything that shares it', async () => {
    await runWithLogContext({ correlationId: 'req-2' }, async () => {
      const later = bindToLogContext(() => currentLogContext());
      addToLogContext({ runId: 'r-2', attempt: 1 });
      await sleep(1);
      expect(later()).toEqual({ correlationId: 'req-2', runId: 'r-2', attempt: 1 });
    });
  });

  it('nests: an inner work adds to the outer one without changing it, and an undefined field leaves a value alone', () => {
    runWithLogContext({ correlationId: 'outer', jobType: 'run.execute' }, () => {
      runWithLogContext({ runId: 'r-3', correlationId: undefined }, () => {
        expect(currentLogContext()).toEqual({ correlationId: 'outer', jobType: 'run.execute', runId: 'r-3' });
      });
      expect(currentLogContext()).toEqual({ correlationId: 'outer', jobType: 'run.execute' });
    });
  });

  it('reaches a callback an emitter calls later, outside the work, only when bound to it', () => {
    const response = new EventEmitter();
    const heard: Array<string | undefined> = [];
    runWithLogContext({ correlationId: 'req-4' }, () => {
      response.once(
        'close',
        bindToLogContext(() => heard.push(currentCorrelationId())),
      );
    });
    const unbound = new EventEmitter();
    runWithLogContext({ correlationId: 'req-5' }, () => {
      unbound.once('close', () => heard.push(currentCorrelationId()));
    });
    response.emit('close');
    unbound.emit('close');
    expect(heard).toEqual(['req-4', undefined]);
  });
});

describe('isCorrelationId', () => {
  it('takes short ids of safe characters, up to 64 of them', () => {
    expect(isCorrelationId('3f1c2a9e-5b7d-4c1e-9a2b-7d6e5f4a3b2c')).toBe(true);
    expect(isCorrelationId('client.req_42')).toBe(true);
    expect(isCorrelationId('a'.repeat(64))).toBe(true);
  });

  it('refuses anything longer, empty, or with characters a header, a log line or an attribute would have to escape', () => {
    expect(isCorrelationId('a'.repeat(65))).toBe(false);
    expect(isCorrelationId('')).toBe(false);
    expect(isCorrelationId('id with spaces')).toBe(false);
    expect(isCorrelationId('id\n{"level":"fatal"}')).toBe(false);
    expect(isCorrelationId('alice@example.com')).toBe(false);
    expect(isCorrelationId(undefined)).toBe(false);
    expect(isCorrelationId(42)).toBe(false);
  });
});
