import { DONE, type JobContext, type JobOutcome } from '../consumers/job-handler';
import type { HeldLease } from '../consumers/job-lease.service';
import { IngestHandler } from './ingest.handler';

// The ingest handler with its collaborators faked, for the claim that finds the attempts used up. The
// claim itself runs against PostgreSQL in test/integration/job-claims.int-spec.ts.

const DATASET_ID = '00000000-0000-4000-8000-0000000000d1';

function harness(lease: { attempts: number; lostAttempts: number; exhausted: boolean }) {
  const dataset = { id: DATASET_ID, userId: 'user-1', name: 'export', rawKey: 'raw/x', curatedPrefix: 'curated/user-1/x/', source: 'upload' };
  const datasets = { findForIngest: jest.fn().mockResolvedValue(dataset) };
  const recorded = { userId: 'user-1', event: { id: '1' } };
  // The writer's SQL, words and single event are tested against PostgreSQL in test/database/dataset-state-writer.db-spec.ts.
  const states = { ingested: jest.fn().mockResolvedValue(recorded) };
  const held = { claim: { id: DATASET_ID, workerId: 'worker-1', rowVersion: 5, ...lease }, lost: new AbortController().signal, stop: jest.fn() };
  const leases = {
    runClaimed: jest.fn((_table: string, _id: string, _context: unknown, work: (lease: HeldLease) => Promise<JobOutcome>) => work(held)),
    release: jest.fn(),
  };
  const storage = { deletePrefix: jest.fn().mockResolvedValue(2), getStream: jest.fn() };
  const events = { publish: jest.fn() };
  const handler = new IngestHandler(
    { home: '/nonexistent' } as never,
    datasets as never,
    {} as never,
    states as never,
    leases as never,
    storage as never,
    events as never,
    { id: 'worker-1' } as never,
  );
  const context: JobContext = {
    receiveCount: 4,
    shutdown: new AbortController().signal,
    giveBackCapacity: () => undefined,
    abandoned: new AbortController().signal,
    runAlone: async () => true,
  };
  return { handler, context, held, states, storage, events, leases, recorded };
}

describe('IngestHandler', () => {
  it('fails a dataset whose ingest attempts are used up, erasing what they wrote, with the reason for its owner and the audit trail', async () => {
    const h = harness({ attempts: 3, lostAttempts: 3, exhausted: true });
    expect(await h.handler.handle({ type: 'dataset.ingest', id: DATASET_ID }, h.context)).toEqual(DONE);

    // The raw upload is never read again.
    expect(h.storage.getStream).not.toHaveBeenCalled();
    expect(h.storage.deletePrefix).toHaveBeenCalledWith('curated/user-1/x/');
    expect(h.states.ingested).toHaveBeenCalledWith({
      claim: h.held.claim,
      dataset: expect.objectContaining({ id: DATASET_ID, userId: 'user-1', name: 'export' }),
      outcome: expect.objectContaining({
        status: 'failed',
        recordCount: 0,
        failureMessage: expect.stringMatching(/^ingesting it was tried 3 times and each attempt killed or stalled the worker/),
      }),
      actor: 'worker:worker-1',
      reason: 'attempts_exhausted',
    });
    expect(h.events.publish).toHaveBeenCalledWith(h.recorded);
    expect(h.held.stop).toHaveBeenCalled();
    expect(h.leases.release).not.toHaveBeenCalled();
  });

  it('publishes nothing when the claim no longer holds at the write', async () => {
    const h = harness({ attempts: 3, lostAttempts: 3, exhausted: true });
    h.states.ingested.mockResolvedValue(false);
    expect(await h.handler.handle({ type: 'dataset.ingest', id: DATASET_ID }, h.context)).toEqual(DONE);
    expect(h.events.publish).not.toHaveBeenCalled();
  });
});
