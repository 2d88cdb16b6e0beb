import { join } from 'node:path';
import type { PublishedTestAnalysis } from '../support/analysis-images';
import { DockerProxy } from '../support/docker-proxy';
import { FaultStack, type StackWorker } from '../support/fault-stack';
import { api, eventually, type Session } from '../support/session';
import { publishSleeper, requestSleep, sleeperUser } from '../support/sleeper-analysis';

/**
 * Workers dying, doubling up and shutting down, on a stack of this suite's own: two worker processes,
 * each consuming one run at a time through its own SQS proxy. Every scenario counts, for its run, the
 * containers the Docker Engine started (and the most alive at once), the deliveries the workers got, and
 * the terminal events, notifications and data-access audit rows the platform committed.
 */
describe('worker faults', () => {
  let stack: FaultStack;
  let user: Session;
  let sleeper: PublishedTestAnalysis;
  let datasetId: string;

  beforeAll(async () => {
    stack = await FaultStack.start({ label: 'worker-faults', workers: 2, env: { LOCKBOX_WORKER_SHUTDOWN_GRACE_MS: '6000' } });
    ({ user, sleeper, datasetId } = await sleeperUser());
  }, 300_000);

  afterAll(async () => {
    await stack?.stop();
  });

  const liveWorkers = (): StackWorker[] => stack.workers.filter((worker) => worker.alive);

  // Every scenario starts from two live workers that forward everything, whatever the one before did (or
  // where it failed): a scenario that kills a worker leaves the replacing to this.
  afterEach(async () => {
    for (const worker of liveWorkers()) worker.proxy.releaseDeletes();
    while (liveWorkers().length < 2) await stack.startWorker();
  }, 120_000);

  const runsQueueDrained = () => stack.queueDrained('runs');

  /** Nest re-raises the signal once its shutdown hooks are done; the hooks mark the heartbeat stopped. */
  async function expectGracefulExit(worker: StackWorker, exit: { code: number | null; signal: NodeJS.Signals | null }): Promise<void> {
    expect(exit).toEqual({ code: null, signal: 'SIGTERM' });
    const [heartbeat] = await stack.query<{ stopped_at: Date | null }>(`SELECT stopped_at FROM worker_heartbeats WHERE id = $1`, [worker.workerId]);
    expect(heartbeat?.stopped_at).toBeInstanceOf(Date);
  }

  async function notificationsOf(runId: string): Promise<number> {
    const { body } = await api('GET', '/notifications?limit=100', { token: user.token });
    return (body.items as Array<{ subjectId: string }>).filter((notification) => notification.subjectId === runId).length;
  }

  it('SIGKILL mid-run: the run finishes exactly once, on the other worker', async () => {
    const runId = await requestSleep(user, sleeper, datasetId, 4);
    const victim = await stack.workerRunning(runId);
    await victim.kill('SIGKILL');

    const record = await stack.finished(runId);
    // Both attempts' containers could read the data: both are on record.
    expect(record).toMatchObject({ status: 'succeeded', attempts: 2, finished: 1, notifications: 1, accessed: 2 });
    const starts = stack.containers.startsOf(runId);
    expect(starts.map((start) => start.attempt)).toEqual([1, 2]);
    expect(starts[0]!.workerId).toBe(victim.workerId);
    expect(starts[1]!.workerId).not.toBe(victim.workerId);
    expect(stack.containers.mostAliveAtOnce(runId)).toBe(1);
    expect((await api('GET', `/runs/${runId}/result`, { token: user.token })).body.summary).toBe('slept 4 s');
    expect(await notificationsOf(runId)).toBe(1);
    await runsQueueDrained();
  }, 180_000);

  it('two workers handed the same job at the same moment: one claims it, one container, one result', async () => {
    expect(liveWorkers()).toHaveLength(2);
    const together = stack.journal.holdDeliveriesTogether(2, 'runs');
    const runId = await requestSleep(user, sleeper, datasetId, 1);
    // A second copy of the message, as SQS's at-least-once delivery may hand out.
    await stack.queue.send({ type: 'run.execute', id: runId });
    await together.released;
    expect(together.filled).toBe(true);

    const record = await stack.finished(runId);
    expect(record).toMatchObject({ status: 'succeeded', attempts: 1, finished: 1, notifications: 1, accessed: 1 });
    const deliveries = stack.journal.deliveriesOf(runId);
    expect(new Set(deliveries.map((delivery) => delivery.via)).size).toBe(2);
    expect(stack.containers.startsOf(runId)).toHaveLength(1);
    expect(stack.containers.mostAliveAtOnce(runId)).toBe(1);
    await runsQueueDrained();
    expect(stack.journal.deliveriesOf(runId)).toHaveLength(2);
    expect(await notificationsOf(runId)).toBe(1);
  }, 180_000);

  it('a crash after the outcome is committed but before the message is deleted: the redelivery is acknowledged, nothing re-runs', async () => {
    const workers = liveWorkers();
    for (const worker of workers) worker.proxy.holdDeletes();
    const runId = await requestSleep(user, sleeper, datasetId, 1);
    await stack.finished(runId);
    const [first] = stack.journal.deliveriesOf(runId);
    const holder = workers.find((worker) => worker.proxy.name === first!.via)!;
    await eventually(async () => (holder.proxy.heldDeletes().includes(first!.receiptHandle) ? true : undefined), 30_000, 'the delete to be held');
    await holder.kill('SIGKILL');
    for (const worker of workers) if (worker !== holder) worker.proxy.releaseDeletes();

    // Visible again once its visibility timeout passes: the other worker receives it, finds nothing to claim, deletes it.
    await eventually(async () => (stack.journal.deliveriesOf(runId).length === 2 ? true : undefined), 30_000, 'the redelivery');
    await runsQueueDrained();
    const [, second] = stack.journal.deliveriesOf(runId);
    expect(second!.via).not.toBe(holder.proxy.name);
    expect(second!.receiveCount).toBe(2);
    expect(await stack.runRecord(runId)).toMatchObject({ status: 'succeeded', attempts: 1, finished: 1, notifications: 1, accessed: 1 });
    expect(stack.containers.startsOf(runId)).toHaveLength(1);
    expect(await notificationsOf(runId)).toBe(1);
  }, 180_000);

  it('a run longer than the visibility timeout is delivered once', async () => {
    const visibilitySeconds = stack.config.sqs.visibilityTimeoutSeconds;
    const runId = await requestSleep(user, sleeper, datasetId, visibilitySeconds * 3);
    const record = await stack.finished(runId);
    expect(record).toMatchObject({ status: 'succeeded', attempts: 1, finished: 1, notifications: 1 });
    const deliveries = stack.journal.deliveriesOf(runId);
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]!.receiveCount).toBe(1);
    expect(stack.containers.startsOf(runId)).toHaveLength(1);
    await runsQueueDrained();
  }, 180_000);

  it('SIGTERM mid-run: a run that ends within the grace period finishes on its worker, which then exits', async () => {
    const runId = await requestSleep(user, sleeper, datasetId, 2);
    const worker = await stack.workerRunning(runId);
    const signalledAt = Date.now();
    await expectGracefulExit(worker, await worker.kill('SIGTERM'));

    expect(await stack.runRecord(runId)).toMatchObject({ status: 'succeeded', attempts: 1, finished: 1, notifications: 1 });
    expect(stack.containers.startsOf(runId).map((start) => start.workerId)).toEqual([worker.workerId]);
    // It stopped polling at once: nothing was delivered to it after the signal.
    expect(stack.journal.deliveries.filter((delivery) => delivery.via === worker.proxy.name && delivery.at > signalledAt)).toEqual([]);
  }, 180_000);

  it('SIGTERM mid-run: a run still going when the grace period ends is handed back and finished once by another worker', async () => {
    const runId = await requestSleep(user, sleeper, datasetId, 15);
    const worker = await stack.workerRunning(runId);
    await expectGracefulExit(worker, await worker.kill('SIGTERM'));

    const record = await stack.finished(runId);
    expect(record).toMatchObject({ status: 'succeeded', attempts: 2, finished: 1, notifications: 1, accessed: 2 });
    const starts = stack.containers.startsOf(runId);
    expect(starts.map((start) => start.attempt)).toEqual([1, 2]);
    expect(starts[1]!.workerId).not.toBe(worker.workerId);
    expect(stack.containers.mostAliveAtOnce(runId)).toBe(1);
    // Handed back with its message made visible at once: the next delivery is the second, not a timeout's.
    expect(stack.journal.deliveriesOf(runId).map((delivery) => delivery.receiveCount)).toEqual([1, 2]);
    expect(await notificationsOf(runId)).toBe(1);
    await runsQueueDrained();
  }, 180_000);

  it('a worker whose Docker Engine stops answering: the run does not stay running past its deadline, it ends timed_out once, and the worker writes nothing when the engine is back', async () => {
    const deadlineSeconds = 4;
    const shortSleeper = await publishSleeper(deadlineSeconds);
    const engine = new DockerProxy(join(stack.home, 'docker-proxy.sock'));
    await engine.start();
    // The run must land on the worker behind the proxy: it is the only one.
    for (const worker of liveWorkers()) await worker.kill('SIGKILL');
    const stuck = await stack.startWorker({ DOCKER_HOST: engine.dockerHost });
    try {
      const runId = await requestSleep(user, shortSleeper, datasetId, 60);
      await stack.workerRunning(runId);
      engine.freeze();

      // The worker cannot stop the container at the deadline; its heartbeat and lease renewals go on.
      const record = await stack.finished(runId, 60_000);
      // The data access went on record before the container started, as for any attempt.
      expect(record).toMatchObject({ status: 'timed_out', attempts: 1, finished: 1, notifications: 1, accessed: 1 });
      const { body: run } = await api('GET', `/runs/${runId}`, { token: user.token });
      expect(run).toMatchObject({ status: 'timed_out', reason: 'deadline', message: expect.stringMatching(/4 s deadline.*stopped answering/) });
      // Ended by the platform, not by the worker: the container is still there.
      expect(stack.containers.liveRuns()).toContain(runId);
      expect(stuck.alive).toBe(true);

      engine.thaw();
      // Its lease is gone: it kills the container (or its orphan reaper removes it first) and abandons the attempt.
      await eventually(async () => (stack.containers.liveRuns().includes(runId) ? undefined : true), 30_000, 'the container to be removed');
      await runsQueueDrained();
      expect(await stack.runRecord(runId)).toMatchObject({ status: 'timed_out', attempts: 1, finished: 1, notifications: 1 });
      expect(stack.containers.startsOf(runId)).toHaveLength(1);
      expect(await notificationsOf(runId)).toBe(1);
    } finally {
      await stuck.kill('SIGKILL');
      await engine.stop();
    }
  }, 240_000);
});
