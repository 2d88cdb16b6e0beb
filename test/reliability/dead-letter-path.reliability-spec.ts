import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ObjectStorageRepository } from '@lockbox/storage';
import { type PublishedTestAnalysis, removeLocalImage } from '../support/analysis-images';
import { FaultStack } from '../support/fault-stack';
import { repoRoot } from '../support/launcher';
import { api, eventually, type Session } from '../support/session';
import { publishSleeper, requestSleep, sleeperUser } from '../support/sleeper-analysis';

const execFileAsync = promisify(execFile);

/**
 * Messages that can never succeed, and failures that keep coming back, on a stack of this suite's own
 * whose reconciler waits ten minutes before re-sending a waiting job, so only the dead-letter path can
 * bring a job back here.
 */
describe('dead letters and poison', () => {
  let stack: FaultStack;
  let user: Session;
  let sleeper: PublishedTestAnalysis;
  let datasetId: string;

  beforeAll(async () => {
    stack = await FaultStack.start({ label: 'dead-letters', workers: 1, env: { LOCKBOX_REPUBLISH_AFTER_MS: '600000' } });
    ({ user, sleeper, datasetId } = await sleeperUser());
  }, 300_000);

  afterAll(async () => {
    await stack?.stop();
  });

  const admin = (...args: string[]) =>
    execFileAsync(process.execPath, [join(repoRoot, 'dist/apps/admin/src/main.js'), ...args], { env: { ...process.env, LOCKBOX_HOME: stack.home } });

  it('a run whose image was deleted: failed/image_unavailable, notified once, acknowledged, no container', async () => {
    const doomed = await publishSleeper();
    const [version] = await stack.query<{ image_key: string }>(`SELECT image_key FROM analysis_versions WHERE image_id = $1`, [doomed.imageId]);
    const storage = new ObjectStorageRepository(stack.config.s3);
    await storage.delete(version!.image_key);
    await storage.onApplicationShutdown();
    await removeLocalImage(doomed.imageId);

    const runId = await requestSleep(user, doomed, datasetId, 0);
    const record = await stack.finished(runId);
    expect(record).toMatchObject({ status: 'failed', attempts: 1, finished: 1, notifications: 1, accessed: 0 });
    expect((await api('GET', `/runs/${runId}`, { token: user.token })).body.reason).toBe('image_unavailable');
    expect(stack.containers.startsOf(runId)).toEqual([]);
    await stack.queueDrained('runs');
    expect(stack.journal.deliveriesOf(runId)).toHaveLength(1);
  }, 180_000);

  it('repeated platform faults: dead-lettered after maxReceiveCount deliveries, listed for the admin, redriven to success once', async () => {
    const maxReceiveCount = stack.config.sqs.maxReceiveCount;
    // Object storage away: the worker cannot stage the run's input, a platform fault it retries with backoff.
    await stack.stopService('s3');
    const runId = await requestSleep(user, sleeper, datasetId, 0);
    await eventually(
      async () => ((await stack.queue.approximateDepth('runs', { deadLetter: true })) === 1 ? true : undefined),
      90_000,
      'the message to reach the dead-letter queue',
    );
    expect(stack.journal.deliveriesOf(runId).map((delivery) => delivery.receiveCount)).toEqual(
      Array.from({ length: maxReceiveCount }, (_, index) => index + 1),
    );
    // Still the user's queued run: a platform fault is not an outcome, and nobody was told anything.
    expect(await stack.runRecord(runId)).toMatchObject({ status: 'queued', finished: 0, notifications: 0 });
    const [deadLettered] = await stack.query<{ detail: { messageId: string; error: string } }>(
      `SELECT detail FROM audit_events WHERE action = 'queue.dead_lettered' AND detail->>'body' LIKE $1`,
      [`%${runId}%`],
    );
    expect(deadLettered!.detail.error).toMatch(/./);

    const listed = await admin('dlq', 'list', '--queue', 'runs');
    expect(listed.stdout).toContain('runs: 1 dead letter(s)');
    expect(listed.stdout).toContain(runId);
    expect(listed.stdout).toContain(`last error: ${deadLettered!.detail.error}`);

    await stack.startService('s3');
    const redriven = await eventually(
      async () => {
        const { stdout } = await admin('dlq', 'redrive', '--queue', 'runs');
        return stdout.includes('redrove 1 ') ? stdout : undefined;
      },
      60_000,
      'the dead letter to be redriven',
    );
    expect(redriven).toContain('runs: redrove 1 dead letter(s)');

    const record = await stack.finished(runId);
    expect(record).toMatchObject({ status: 'succeeded', attempts: maxReceiveCount + 1, finished: 1, notifications: 1, accessed: 1 });
    expect(stack.containers.startsOf(runId)).toHaveLength(1);
    expect(await stack.queue.approximateDepth('runs', { deadLetter: true })).toBe(0);
  }, 240_000);
});
