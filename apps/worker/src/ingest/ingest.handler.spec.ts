import type { JobContext } from '../consumers/job-handler';
import { IngestHandler } from './ingest.handler';

// The ingest handler with its collaborators faked, for the claim that finds the attempts used up. The
// claim itself runs against PostgreSQL in test/integration/job-claims.int-spec.ts.

const DATASET_ID = '00000000-0000-4000-8000-0000000000d1';

function harness(lease: { attempts: number; lostAttempts: number; exhausted: boolean }) {
  const dataset = { id: DATASET_ID, userId: 'user-1', name: 'export', rawKey: 'raw/x', curatedPrefix: 'curated/user-1/x/', source: 'upload' };
  const updates: unknown[][] = [];
  const inserted: unknown[] = [];
  const manager = {
    query: jest.fn(async (_sql: string, parameters: unknown[]) => {
      updates.push(parameters);
      return [[], 1];
    }),
    insert: jest.fn(async (_entity: unknown, row: unknown) => inserted.push(row)),
  };
  const dataSource = {
    getRepository: () => ({ findOneBy: jest.fn().mockResolvedValue(dataset) }),
    transaction: (work: (m: typeof manager) => Promise<unknown>) => work(manager),
  };
  const held = { claim: { id: DATASET_ID, workerId: 'worker-1', rowVersion: 5, ...lease }, lost: new AbortController().signal, stop: jest.fn() };
  const leases = { claim: jest.fn().mockResolvedValue(held), release: jest.fn() };
  const storage = { deletePrefix: jest.fn().mockResolvedValue(2), getStream: jest.fn() };
  const recorded = { userId: 'user-1', event: { id: '1' } };
  const events = { record: jest.fn().mockResolvedValue(recorded), publish: jest.fn() };
  const handler = new IngestHandler(dataSource as never, leases as never, storage as never, events as never, { id: 'worker-1' } as never);
  const context: JobContext = {
    receiveCount: 4,
    shutdown: new AbortController().signal,
    giveBackCapacity: () => undefined,
    abandoned: new AbortController().signal,
    runAlone: async () => true,
  };
  return { handler, context, updates, inserted, storage, events, leases, recorded };
}

describe('IngestHandler', () => {
  it('fails a dataset whose ingest attempts are used up, erasing what they wrote, with the reason for its owner and the audit trail', async () => {
    const h = harness({ attempts: 3, lostAttempts: 3, exhausted: true });
    await h.handler.handle({ type: 'dataset.ingest', id: DATASET_ID }, h.context);

    // The raw upload is never read again.
    expect(h.storage.getStream).not.toHaveBeenCalled();
    expect(h.storage.deletePrefix).toHaveBeenCalledWith('curated/user-1/x/');
    const [update] = h.updates;
    expect(update!.slice(0, 2)).toEqual([DATASET_ID, 'failed']);
    expect(update![6]).toMatch(/^ingesting it was tried 3 times and each attempt killed or stalled the worker/);
    expect(h.inserted).toEqual([
      expect.objectContaining({ action: 'dataset.ingested', detail: { status: 'failed', recordCount: 0, errorCount: 0, reason: 'attempts_exhausted' } }),
    ]);
    expect(h.events.record).toHaveBeenCalledWith(
      expect.anything(),
      expect.objectContaining({
        type: 'dataset.failed',
        dedupeKey: `dataset:${DATASET_ID}:ingested`,
        notification: { title: 'Dataset failed', body: expect.stringMatching(/could not be ingested: ingesting it was tried 3 times/) },
      }),
    );
    expect(h.events.publish).toHaveBeenCalledWith(h.recorded);
    expect(h.leases.release).not.toHaveBeenCalled();
  });
});
