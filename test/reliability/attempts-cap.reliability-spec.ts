import {
  type BuiltTestImage,
  buildTestAnalysisImage,
  type PublishedTestAnalysis,
  submitAnalysis,
  testManifest,
  waitForSubmissionChecks,
} from '../support/analysis-images';
import type { ContainerStart } from '../support/container-ledger';
import { FaultStack, type RunRecord } from '../support/fault-stack';
import { api, createSession, eventually, type Session } from '../support/session';
import { requestSleep, sleeperUser } from '../support/sleeper-analysis';

/** Workers for runs (and ingest) and for checks, so the two scenarios never kill each other's workers. */
const RUNS_WORKER = { LOCKBOX_WORKER_QUEUES: 'runs,ingest' };
const CHECKS_WORKER = { LOCKBOX_WORKER_QUEUES: 'checks' };
const WRITES_RESULT = `echo '{"schemaVersion":1,"summary":"ok","blocks":[]}' > /output/result.json`;

/** What the poisoned run's scenario saw, for its test to judge. */
interface RunScenario {
  poisoned: string;
  record: RunRecord;
  kills: ContainerStart[];
  /** A run of the same queue, submitted once the poisoned one had taken its first worker down. */
  other: string;
}

/** What the poisoned check's scenario saw. */
interface CheckScenario {
  developer: Session;
  poisoned: string;
  checked: any;
  kills: ContainerStart[];
  /** A submission of the same queue, sent once the poisoned check had taken its first worker down. */
  good: string;
  goodImage: BuiltTestImage;
}

/**
 * Nothing is retried forever. A job whose every attempt takes its worker down (as an analysis whose 4 MiB
 * result ran the worker out of heap did) is simulated from outside: the Docker Engine's event stream shows
 * the job's container starting, and the test SIGKILLs the worker process that started it, every time. The
 * stack starts a dead worker again a second later, as the launcher does. Runs and checks have three workers
 * each (one job at a time each), as many as the cap of 3 lost attempts (below the SQS receive count of
 * 4), so no attempt waits for a worker to start again. The run and the check scenarios go on at the same time, on
 * their own workers; each test then judges what its scenario saw.
 */
describe('the attempt cap', () => {
  let stack: FaultStack;
  let user: Session;
  let admin: Session;
  let sleeper: PublishedTestAnalysis;
  let datasetId: string;
  let cap: number;
  let runScenario: Promise<RunScenario>;
  let checkScenario: Promise<CheckScenario>;

  beforeAll(async () => {
    stack = await FaultStack.start({
      label: 'attempts-cap',
      workers: 0,
      restartWorkers: true,
      env: { LOCKBOX_SQS_MAX_RECEIVE_COUNT: '4', LOCKBOX_JOB_MAX_ATTEMPTS: '3' },
    });
    await Promise.all([RUNS_WORKER, RUNS_WORKER, RUNS_WORKER, CHECKS_WORKER, CHECKS_WORKER, CHECKS_WORKER].map((env) => stack.startWorker(env)));
    cap = stack.config.jobs.maxAttempts;
    admin = await createSession('admin');
    checkScenario = poisonedCheck();
    // Judged by its test; until then a failure must not count as unhandled.
    checkScenario.catch(() => undefined);
    ({ user, sleeper, datasetId } = await sleeperUser());
    runScenario = poisonedRun();
    runScenario.catch(() => undefined);
  }, 300_000);

  afterAll(async () => {
    await stack?.stop();
  });

  /** SIGKILLs the worker that started a container of `runId` (a run, or `check-<submission>`), each time one starts. */
  function killEveryWorkerThatStarts(runId: string): { kills: ContainerStart[]; stop(): void } {
    const kills: ContainerStart[] = [];
    const stop = stack.containers.onStart((start) => {
      if (start.runId !== runId) return;
      kills.push(start);
      // A worker just started again may take a job before the stack has seen its first heartbeat.
      void eventually(async () => stack.workers.find((worker) => worker.workerId === start.workerId), 30_000, `worker ${start.workerId}`).then((worker) =>
        worker.kill('SIGKILL'),
      );
    });
    return { kills, stop };
  }

  async function firstKill(kills: ContainerStart[]): Promise<void> {
    await eventually(async () => (kills.length > 0 ? true : undefined), 90_000, 'the first attempt to take its worker down');
  }

  async function poisonedRun(): Promise<RunScenario> {
    const poisoned = await requestSleep(user, sleeper, datasetId, 60);
    const killer = killEveryWorkerThatStarts(poisoned);
    try {
      await firstKill(killer.kills);
      const other = await requestSleep(user, sleeper, datasetId, 1);
      const record = await stack.finished(poisoned, 120_000);
      return { poisoned, record, kills: killer.kills, other };
    } finally {
      killer.stop();
    }
  }

  async function poisonedCheck(): Promise<CheckScenario> {
    const developer = await createSession('developer');
    const [poisonImage, goodImage] = await Promise.all([buildTestAnalysisImage('busybox'), buildTestAnalysisImage('busybox')]);
    const submitted = await submitAnalysis(developer, testManifest({ entrypoint: ['/bin/sh', '-c', 'sleep 60'] }), poisonImage.tarball);
    if (submitted.status !== 202) throw new Error(`submitting: ${submitted.status} ${JSON.stringify(submitted.body)}`);
    const poisoned = submitted.body.id as string;
    const killer = killEveryWorkerThatStarts(`check-${poisoned}`);
    try {
      await firstKill(killer.kills);
      const accepted = await submitAnalysis(developer, testManifest({ entrypoint: ['/bin/sh', '-c', WRITES_RESULT] }), goodImage.tarball);
      if (accepted.status !== 202) throw new Error(`submitting: ${accepted.status} ${JSON.stringify(accepted.body)}`);
      const checked = await eventually(
        async () => {
          const { body } = await api('GET', `/submissions/${poisoned}`, { token: developer.token });
          return ['submitted', 'checking'].includes(body.status) ? undefined : body;
        },
        150_000,
        'the poisoned check to end',
      );
      return { developer, poisoned, checked, kills: killer.kills, good: accepted.body.id as string, goodImage };
    } finally {
      killer.stop();
    }
  }

  async function notificationsAbout(session: Session, subjectId: string): Promise<Array<{ title: string; body: string }>> {
    const { body } = await api('GET', '/notifications?limit=100', { token: session.token });
    return (body.items as Array<{ subjectId: string; title: string; body: string }>).filter((notification) => notification.subjectId === subjectId);
  }

  async function quarantinedIds(): Promise<string[]> {
    const { status, body } = await api('GET', '/submissions?quarantined=true&limit=100', { token: admin.token });
    expect(status).toBe(200);
    return (body.items as Array<{ id: string }>).map((item) => item.id);
  }

  /** Nothing waits in the queue and nothing was parked in its dead-letter queue: the cap ended the job first. */
  async function queueSettled(queue: 'runs' | 'checks'): Promise<void> {
    await stack.queueDrained(queue, 60_000);
    expect(await stack.queue.approximateDepth(queue, { deadLetter: true })).toBe(0);
  }

  it('a run that kills its worker on every attempt ends failed/attempts_exhausted after exactly the cap, its owner told once; the worker comes back and the queue goes on', async () => {
    const { poisoned, record, kills, other } = await runScenario;
    // Every attempt's container could read the data, so each is on record; one outcome, one notification.
    expect(record).toMatchObject({ status: 'failed', attempts: cap, finished: 1, notifications: 1, accessed: cap });
    const { body: run } = await api('GET', `/runs/${poisoned}`, { token: user.token });
    expect(run).toMatchObject({
      status: 'failed',
      reason: 'attempts_exhausted',
      attempts: cap,
      message: expect.stringMatching(new RegExp(`tried ${cap} times`)),
      hasLogs: false,
      hasResult: false,
    });
    const starts = stack.containers.startsOf(poisoned);
    expect(starts.map((start) => start.attempt)).toEqual([1, 2, 3]);
    expect(kills).toHaveLength(cap);
    // Each attempt took a different worker process down, and never were two of its containers alive at once.
    expect(new Set(starts.map((start) => start.workerId)).size).toBe(cap);
    expect(stack.containers.mostAliveAtOnce(poisoned)).toBe(1);
    // The last attempt's container, left behind by its killed worker, went with the run's end.
    await eventually(async () => (stack.containers.liveRuns().includes(poisoned) ? undefined : true), 30_000, 'the last container to be removed');
    expect(await notificationsAbout(user, poisoned)).toEqual([expect.objectContaining({ title: `${sleeper.title} failed`, body: run.message })]);

    // The run of the same queue submitted meanwhile ran once, and succeeded.
    expect(await stack.finished(other)).toMatchObject({ status: 'succeeded', attempts: 1, finished: 1, notifications: 1 });
    // The workers are back: a new run goes through.
    const after = await requestSleep(user, sleeper, datasetId, 0);
    expect(await stack.finished(after)).toMatchObject({ status: 'succeeded', attempts: 1 });
    await queueSettled('runs');

    // The version is flagged for the admins, and only for them.
    expect(await quarantinedIds()).toContain(sleeper.submissionId);
    const { body: forAdmin } = await api('GET', `/submissions/${sleeper.submissionId}`, { token: admin.token });
    expect(forAdmin.quarantine).toEqual({ at: expect.any(String), reason: `${cap} attempts of run ${poisoned} each killed or stalled the worker running it` });
    expect(forAdmin.status).toBe('published');
    const { body: forDeveloper } = await api('GET', `/submissions/${sleeper.submissionId}`, { token: sleeper.developer.token });
    expect(forDeveloper).not.toHaveProperty('quarantine');
    expect((await api('GET', '/submissions?quarantined=true', { token: sleeper.developer.token })).status).toBe(403);
  }, 240_000);

  it('a submission check that kills its worker on every attempt ends check_failed with attempts_exhausted in its report; another submission is checked meanwhile', async () => {
    const { developer, poisoned, checked, kills, good, goodImage } = await checkScenario;
    expect(checked).toMatchObject({
      status: 'check_failed',
      imageId: null,
      checkReport: { passed: false, violations: [{ rule: 'attempts_exhausted', message: expect.stringMatching(new RegExp(`tried ${cap} times`)) }] },
    });
    expect(checked).not.toHaveProperty('quarantine');
    expect(stack.containers.startsOf(`check-${poisoned}`).map((start) => start.attempt)).toEqual([1, 2, 3]);
    expect(kills).toHaveLength(cap);
    const [row] = await stack.query<{ attempts: number; lost_attempts: number }>(`SELECT attempts, lost_attempts FROM analysis_versions WHERE id = $1`, [
      poisoned,
    ]);
    expect(row).toEqual({ attempts: cap, lost_attempts: cap });
    const told = await notificationsAbout(developer, poisoned);
    expect(told).toHaveLength(1);
    expect(told[0]!.body).toMatch(/^attempts_exhausted: the checks were tried 3 times/);

    // The other submission was checked while the poisoned one was taking workers down.
    expect(await waitForSubmissionChecks(developer, good)).toMatchObject({ status: 'awaiting_review', imageId: goodImage.imageId });
    await eventually(async () => (stack.containers.liveRuns().includes(`check-${poisoned}`) ? undefined : true), 30_000, 'the last smoke run to be removed');
    await queueSettled('checks');
    expect(await quarantinedIds()).toContain(poisoned);
  }, 240_000);
});
