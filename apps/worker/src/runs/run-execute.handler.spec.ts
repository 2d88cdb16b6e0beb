import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PLATFORM_LIMITS } from '@lockbox/analysis-sdk';
import { type SandboxOutcome, SandboxPlatformError, type SandboxRunHooks, type SandboxRunSpec } from '@lockbox/analysis-sdk/sandbox';
import { ObjectNotFoundError } from '@lockbox/storage';
import { DONE, HANDED_BACK, type JobContext, type JobOutcome } from '../consumers/job-handler';
import type { HeldLease } from '../consumers/job-lease.service';
import { RunExecuteHandler } from './run-execute.handler';
import { RunInputStager } from './run-input-stager';
import type { ClaimedRun } from './run-state.store';

// The handler's control flow with its collaborators as plain doubles handed to its constructor: what it
// writes, and what it does not, when the lease is lost, the worker shuts down, the user cancels, or the
// platform fails. The claim and its release live in JobLeaseService (its own spec). The real thing runs
// end to end in test/e2e/runs.e2e-spec.ts.

const RUN_ID = '6f1c1f4e-0000-4000-8000-000000000001';
const DATASET_ID = '6f1c1f4e-0000-4000-8000-000000000002';

const claimedRun: ClaimedRun = {
  id: RUN_ID,
  userId: 'user-1',
  datasetIds: [DATASET_ID],
  params: {},
  cancelRequested: false,
  analysis: { slug: 'probe', title: 'Probe' },
  version: {
    id: 'version-1',
    version: '1.0.0',
    status: 'published',
    imageKey: 'images/sha256:abc.tar',
    manifest: {
      name: 'probe',
      version: '1.0.0',
      title: 'Probe',
      description: 'd',
      category: 'other',
      price: 0,
      entrypoint: ['/bin/sh'],
      scopes: { 'social.posts': ['likes'] },
      params: { type: 'object' },
      resources: { memory: '128m', cpu: 0.5, timeout: 60, output: '1m' },
    },
  },
  consent: { scopes: { 'social.posts': ['likes'] }, imageId: `sha256:${'a'.repeat(64)}` },
};

function outcome(overrides: Partial<SandboxOutcome> = {}): SandboxOutcome {
  return {
    status: 'succeeded',
    message: 'the analysis finished',
    containerMs: 42,
    logs: Buffer.from('hello\n'),
    logBytesTotal: 6,
    artifacts: [],
    steps: {},
    ...overrides,
  };
}

type SandboxRun = (spec: SandboxRunSpec, hooks?: SandboxRunHooks) => Promise<SandboxOutcome>;

interface Harness {
  handler: RunExecuteHandler;
  lost: AbortController;
  shutdown: AbortController;
  /** Whether the lease service found the run to claim (false: a duplicate delivery). */
  claimable: { value: boolean };
  runs: {
    load: jest.Mock;
    markStarted: jest.Mock;
    datasets: jest.Mock;
    recordProgress: jest.Mock;
    cancelRequested: jest.Mock;
    finish: jest.Mock;
    recordDataAccess: jest.Mock;
    versionStatus: jest.Mock;
  };
  finish: jest.Mock;
  sandboxRun: jest.Mock<ReturnType<SandboxRun>, Parameters<SandboxRun>>;
  images: { has: jest.Mock; load: jest.Mock };
  containers: { killLeftovers: jest.Mock; kill: jest.Mock };
  storage: { putBuffer: jest.Mock; getStream: jest.Mock; list: jest.Mock; delete: jest.Mock };
  putBuffer: jest.Mock;
  killed: Promise<string>;
  publish: jest.Mock;
  home: string;
  cancelRequested: jest.Mock;
  recordDataAccess: jest.Mock;
  giveBack: jest.Mock;
}

function harness(attempts = 1, claimed: { lostAttempts: number; exhausted: boolean } = { lostAttempts: 0, exhausted: false }): Harness {
  const home = mkdtempSync(join(tmpdir(), 'lockbox-handler-'));
  const lost = new AbortController();
  const shutdown = new AbortController();
  let onKill!: (id: string) => void;
  const killed = new Promise<string>((resolve) => (onKill = resolve));
  const containers = { killLeftovers: jest.fn().mockResolvedValue(undefined), kill: jest.fn(async (id: string) => onKill(id)) };
  const lease: HeldLease = { claim: { id: RUN_ID, workerId: 'worker-1', attempts, rowVersion: 7, ...claimed }, lost: lost.signal, stop: jest.fn() };
  const claimable = { value: true };
  const leases = {
    runClaimed: jest.fn(async (_table: string, _id: string, _context: unknown, work: (held: HeldLease) => Promise<JobOutcome>) =>
      claimable.value ? work(lease) : DONE,
    ),
  };
  const publish = jest.fn().mockResolvedValue(undefined);
  const events = { publish, publishTransient: jest.fn().mockResolvedValue(undefined) };
  const putBuffer = jest.fn().mockResolvedValue({ size: 0, sha256: '' });
  const storage = { putBuffer, getStream: jest.fn(), list: jest.fn().mockResolvedValue([]), delete: jest.fn().mockResolvedValue(undefined) };
  const curated = {
    async *records() {
      yield { kind: 'social.posts', timestamp: '2026-01-05T18:20:00Z', platform: 'x', type: 'post', likes: 1 };
    },
  };
  const config = { home, instanceId: 'instance-1', limits: DEFAULT_PLATFORM_LIMITS, sandbox: {} };
  const runs = {
    load: jest.fn().mockResolvedValue(claimedRun),
    markStarted: jest.fn().mockResolvedValue({ held: true, recorded: undefined }),
    datasets: jest.fn().mockResolvedValue([{ id: DATASET_ID, status: 'ready', curatedPrefix: 'curated/x/', recordKinds: { 'social.posts': 1 } }]),
    recordProgress: jest.fn().mockResolvedValue(undefined),
    cancelRequested: jest.fn().mockResolvedValue(false),
    finish: jest.fn().mockResolvedValue({ recorded: undefined }),
    recordDataAccess: jest.fn().mockResolvedValue(true),
    versionStatus: jest.fn().mockResolvedValue('published'),
  };
  const images = { has: jest.fn().mockResolvedValue(true), load: jest.fn().mockResolvedValue(undefined) };
  const outputAreas = { stock: { take: jest.fn(), giveBack: jest.fn() } };
  const sandboxRun = jest.fn<ReturnType<SandboxRun>, Parameters<SandboxRun>>().mockResolvedValue(outcome());

  const handler = new RunExecuteHandler(
    config as never,
    leases as never,
    { id: 'worker-1' } as never,
    events as never,
    storage as never,
    { available: async () => ['runc'] } as never,
    runs as never,
    new RunInputStager(curated as never, { heldByDatasets: async () => new Set<string>() } as never),
    images as never,
    { run: sandboxRun } as never,
    containers as never,
    outputAreas as never,
  );
  return {
    handler,
    lost,
    shutdown,
    claimable,
    runs,
    finish: runs.finish,
    sandboxRun,
    images,
    containers,
    storage,
    putBuffer,
    killed,
    publish,
    home,
    cancelRequested: runs.cancelRequested,
    recordDataAccess: runs.recordDataAccess,
    giveBack: jest.fn(),
  };
}

/**
 * A container that runs until the worker kills it, then reports what the runner would: a non-zero exit.
 * Resolves once the container is running.
 */
function runUntilKilled(h: Harness): Promise<void> {
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  h.sandboxRun.mockImplementation(async (_spec, hooks: SandboxRunHooks = {}) => {
    await hooks.beforeStart?.('container-1');
    await hooks.onContainerStarted?.('container-1');
    started();
    await h.killed;
    return outcome({ status: 'failed', reason: 'exit_code', message: 'the analysis exited with code 137', exitCode: 137 });
  });
  return running;
}

function contextOf(h: Harness, receiveCount: number): JobContext {
  return { receiveCount, shutdown: h.shutdown.signal, giveBackCapacity: h.giveBack, abandoned: new AbortController().signal, runAlone: async () => true };
}

function stagingDirs(home: string): string[] {
  const runs = join(home, 'work', 'runs');
  return existsSync(runs) ? readdirSync(runs) : [];
}

describe('RunExecuteHandler', () => {
  it('does nothing for a duplicate delivery', async () => {
    const h = harness();
    h.claimable.value = false;
    expect(await h.handler.handle({ type: 'run.execute', id: RUN_ID }, contextOf(h, 2))).toEqual(DONE);
    expect(h.runs.load).not.toHaveBeenCalled();
    expect(h.sandboxRun).not.toHaveBeenCalled();
    expect(h.finish).not.toHaveBeenCalled();
  });

  it('stores logs and result before committing a success, then publishes, and removes the staging directory', async () => {
    const h = harness();
    const resultBytes = Buffer.from('{"schemaVersion":1,"summary":"done","blocks":[]}');
    h.sandboxRun.mockImplementation(async (_spec, hooks: SandboxRunHooks = {}) => {
      await hooks.beforeStart?.('container-1');
      await hooks.onContainerStarted?.('container-1');
      return outcome({ result: { schemaVersion: 1, summary: 'done', blocks: [] }, resultBytes });
    });
    expect(await h.handler.handle({ type: 'run.execute', id: RUN_ID }, contextOf(h, 1))).toEqual(DONE);

    // The data access went on record, under the claim, before the container started.
    expect(h.recordDataAccess).toHaveBeenCalledWith(
      expect.objectContaining({ rowVersion: 7 }),
      claimedRun,
      expect.objectContaining({ datasetIds: [DATASET_ID], runtime: 'runc', records: { 'social.posts': 1 }, containerId: 'container-1' }),
    );
    const prefix = `runs/user-1/${RUN_ID}/attempt-1`;
    expect(h.putBuffer.mock.calls.map((call) => call[0])).toEqual([`${prefix}/logs.txt`, `${prefix}/result.json`]);
    expect(h.putBuffer.mock.invocationCallOrder[1]).toBeLessThan(h.finish.mock.invocationCallOrder[0]!);
    expect(h.finish).toHaveBeenCalledWith(
      expect.objectContaining({ rowVersion: 7 }),
      claimedRun,
      expect.objectContaining({
        verdict: { status: 'succeeded', reason: null, message: 'done' },
        resultKey: `${prefix}/result.json`,
        resultSummary: 'done',
        logKey: `${prefix}/logs.txt`,
        containerMs: 42,
      }),
    );
    expect(h.publish.mock.invocationCallOrder.at(-1)).toBeGreaterThan(h.finish.mock.invocationCallOrder[0]!);
    expect(stagingDirs(h.home)).toEqual([]);
  });

  it('does not start the container when the claim no longer holds at the start: nothing on record, nothing written', async () => {
    const h = harness();
    h.recordDataAccess.mockResolvedValue(false);
    const started = jest.fn();
    h.sandboxRun.mockImplementation(async (_spec, hooks: SandboxRunHooks = {}) => {
      // As the runner does: a throw from beforeStart is passed on and the container never starts.
      await hooks.beforeStart?.('container-1');
      started();
      return outcome();
    });
    // Someone else holds the run now: it is not handed back, and its message is done with.
    expect(await h.handler.handle({ type: 'run.execute', id: RUN_ID }, contextOf(h, 1))).toEqual(DONE);
    expect(started).not.toHaveBeenCalled();
    expect(h.putBuffer).not.toHaveBeenCalled();
    expect(h.finish).not.toHaveBeenCalled();
    expect(stagingDirs(h.home)).toEqual([]);
  });

  it('after a later attempt commits, removes what earlier attempts stored, and only that', async () => {
    const h = harness(3);
    const resultBytes = Buffer.from('{"schemaVersion":1,"summary":"done","blocks":[]}');
    h.sandboxRun.mockResolvedValue(outcome({ result: { schemaVersion: 1, summary: 'done', blocks: [] }, resultBytes }));
    const storage = h.storage;
    const run = `runs/user-1/${RUN_ID}/`;
    storage.list.mockResolvedValue(
      [`${run}attempt-1/result.json`, `${run}attempt-2/logs.txt`, `${run}attempt-3/logs.txt`, `${run}attempt-3/result.json`].map((key) => ({ key })),
    );
    await h.handler.handle({ type: 'run.execute', id: RUN_ID }, contextOf(h, 1));

    expect(storage.list).toHaveBeenCalledWith(run);
    expect(storage.delete.mock.calls.map((call) => call[0])).toEqual([`${run}attempt-1/result.json`, `${run}attempt-2/logs.txt`]);
    expect(storage.delete.mock.invocationCallOrder[0]).toBeGreaterThan(h.finish.mock.invocationCallOrder[0]!);
  });

  it("gives the worker's capacity back once the container has exited, before storing and committing", async () => {
    const h = harness();
    h.sandboxRun.mockImplementation(async (_spec, hooks: SandboxRunHooks = {}) => {
      expect(h.giveBack).not.toHaveBeenCalled();
      hooks.onContainerExited?.();
      return outcome();
    });
    await h.handler.handle({ type: 'run.execute', id: RUN_ID }, contextOf(h, 1));
    expect(h.giveBack).toHaveBeenCalledTimes(1);
    expect(h.giveBack.mock.invocationCallOrder[0]).toBeLessThan(h.putBuffer.mock.invocationCallOrder[0]!);
    expect(h.giveBack.mock.invocationCallOrder[0]).toBeLessThan(h.finish.mock.invocationCallOrder[0]!);
  });

  it('kills the container and writes nothing when the lease is lost', async () => {
    const h = harness();
    const running = runUntilKilled(h);
    const handled = h.handler.handle({ type: 'run.execute', id: RUN_ID }, contextOf(h, 1));
    await running;
    h.lost.abort();
    // Not handed back: another worker holds the run now.
    expect(await handled).toEqual(DONE);
    await expect(h.killed).resolves.toBe('container-1');
    expect(h.finish).not.toHaveBeenCalled();
    expect(h.putBuffer).not.toHaveBeenCalled();
    expect(stagingDirs(h.home)).toEqual([]);
  });

  it('kills the container and hands the run back when the worker shuts down', async () => {
    const h = harness();
    const running = runUntilKilled(h);
    const handled = h.handler.handle({ type: 'run.execute', id: RUN_ID }, contextOf(h, 1));
    await running;
    h.shutdown.abort();
    expect(await handled).toEqual(HANDED_BACK);
    await expect(h.killed).resolves.toBe('container-1');
    expect(h.finish).not.toHaveBeenCalled();
  });

  it('kills the container and records cancelled/by_user when the user cancels', async () => {
    const h = harness();
    void runUntilKilled(h);
    h.cancelRequested.mockResolvedValueOnce(false).mockResolvedValue(true);
    await h.handler.handle({ type: 'run.execute', id: RUN_ID }, contextOf(h, 1));
    expect(h.finish).toHaveBeenCalledWith(
      expect.anything(),
      claimedRun,
      expect.objectContaining({ verdict: { status: 'cancelled', reason: 'by_user', message: 'You cancelled the run.' }, resultKey: null }),
    );
  });

  it('throws a platform fault to the lease service (which hands the run back), recording no outcome', async () => {
    const h = harness();
    h.sandboxRun.mockRejectedValue(new SandboxPlatformError('could not create the container: engine down'));
    await expect(h.handler.handle({ type: 'run.execute', id: RUN_ID }, contextOf(h, 1))).rejects.toThrow('engine down');
    expect(h.finish).not.toHaveBeenCalled();
    expect(stagingDirs(h.home)).toEqual([]);
  });

  it('fails the run as image_unavailable when neither the image nor its tarball exists', async () => {
    const h = harness();
    const run = h.sandboxRun;
    h.images.has.mockResolvedValue(false);
    h.storage.getStream.mockRejectedValue(new ObjectNotFoundError('images/sha256:abc.tar'));
    await h.handler.handle({ type: 'run.execute', id: RUN_ID }, contextOf(h, 1));
    expect(run).not.toHaveBeenCalled();
    expect(h.finish).toHaveBeenCalledWith(
      expect.anything(),
      claimedRun,
      expect.objectContaining({ verdict: expect.objectContaining({ status: 'failed', reason: 'image_unavailable' }) }),
    );
    // No container ever saw the data: nothing to audit as accessed.
    expect(h.recordDataAccess).not.toHaveBeenCalled();
  });

  it('fails a run whose manifest asks for runsc on a worker without it, and never runs it under runc', async () => {
    const h = harness();
    const run = h.sandboxRun;
    h.runs.load.mockResolvedValue({ ...claimedRun, version: { ...claimedRun.version, manifest: { ...claimedRun.version.manifest, runtime: 'runsc' } } });
    await h.handler.handle({ type: 'run.execute', id: RUN_ID }, contextOf(h, 1));
    expect(run).not.toHaveBeenCalled();
    expect(h.finish.mock.calls[0][2].verdict).toEqual({ status: 'failed', reason: 'image_unavailable', message: expect.stringMatching(/gVisor/) });
    expect(stagingDirs(h.home)).toEqual([]);
  });

  it('ends a run whose attempts are used up as failed/attempts_exhausted: nothing staged or started, leftovers killed, the version flagged, no stored object kept', async () => {
    const h = harness(3, { lostAttempts: 3, exhausted: true });
    const run = h.sandboxRun;
    const { markStarted, datasets } = h.runs;
    const storage = h.storage;
    storage.list.mockResolvedValue([{ key: `runs/user-1/${RUN_ID}/attempt-2/logs.txt` }, { key: `runs/user-1/${RUN_ID}/attempt-3/logs.txt` }]);

    await h.handler.handle({ type: 'run.execute', id: RUN_ID }, contextOf(h, 4));

    expect(run).not.toHaveBeenCalled();
    expect(markStarted).not.toHaveBeenCalled();
    expect(datasets).not.toHaveBeenCalled();
    expect(h.recordDataAccess).not.toHaveBeenCalled();
    // What a dead worker's attempt may have left running is looked for and killed.
    expect(h.containers.killLeftovers).toHaveBeenCalledWith(RUN_ID);
    expect(h.finish).toHaveBeenCalledTimes(1);
    expect(h.finish).toHaveBeenCalledWith(
      expect.objectContaining({ rowVersion: 7, exhausted: true }),
      claimedRun,
      expect.objectContaining({
        verdict: { status: 'failed', reason: 'attempts_exhausted', message: expect.stringMatching(/tried 3 times/) },
        resultKey: null,
        logKey: null,
        containerMs: null,
        quarantine: { job: 'run', jobId: RUN_ID, lostAttempts: 3, actor: 'worker:worker-1' },
      }),
    );
    expect(h.publish).toHaveBeenCalledTimes(1);
    // The last attempt was lost too: none of the stored objects is an outcome.
    expect(storage.delete.mock.calls.map((call) => call[0])).toEqual([`runs/user-1/${RUN_ID}/attempt-2/logs.txt`, `runs/user-1/${RUN_ID}/attempt-3/logs.txt`]);
  });

  it('flags nothing for a run that ended by itself, even as a failure', async () => {
    const h = harness();
    h.sandboxRun.mockImplementation(async (_spec, hooks: SandboxRunHooks = {}) => {
      await hooks.beforeStart?.('container-1');
      return outcome({ status: 'failed', reason: 'exit_code', message: 'the analysis exited with code 1', exitCode: 1 });
    });
    await h.handler.handle({ type: 'run.execute', id: RUN_ID }, contextOf(h, 1));
    expect(h.finish.mock.calls[0][2].verdict).toMatchObject({ status: 'failed', reason: 'exit_code' });
    expect(h.finish.mock.calls[0][2].quarantine).toBeUndefined();
  });
});
