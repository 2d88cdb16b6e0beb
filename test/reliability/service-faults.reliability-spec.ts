import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PublishedTestAnalysis } from '../support/analysis-images';
import { FaultStack } from '../support/fault-stack';
import { api, type ApiResponse, eventually, type Session } from '../support/session';
import { requestSleep, SLEEPER_CONSENT, sleeperUser } from '../support/sleeper-analysis';

/**
 * The services under the platform going away and coming back, on a stack of this suite's own (two
 * workers). PostgreSQL, Redis and the embedded SQS endpoint restart with their data; the SQS case also
 * throws its stored queues away, as a lost store would, so every waiting message is gone. Whatever the API
 * accepted must finish, exactly once.
 */
describe('service faults', () => {
  let stack: FaultStack;
  let user: Session;
  let sleeper: PublishedTestAnalysis;
  let datasetId: string;

  beforeAll(async () => {
    stack = await FaultStack.start({ label: 'service-faults', workers: 2 });
    ({ user, sleeper, datasetId } = await sleeperUser());
  }, 300_000);

  afterAll(async () => {
    await stack?.stop();
  });

  /**
   * Every run succeeded with one terminal event and one notification, at most one container per attempt
   * and never two at once, and every container's access to the data on record.
   */
  async function expectEachFinishedOnce(runIds: string[]): Promise<void> {
    for (const runId of runIds) {
      const record = await stack.finished(runId, 180_000);
      expect({ runId, ...record }).toMatchObject({ runId, status: 'succeeded', finished: 1, notifications: 1 });
      const starts = stack.containers.startsOf(runId).length;
      expect({ runId, starts }).toEqual({ runId, starts: record.accessed });
      expect(starts).toBeLessThanOrEqual(record.attempts);
      expect({ runId, mostAlive: stack.containers.mostAliveAtOnce(runId) }).toEqual({ runId, mostAlive: 1 });
    }
  }

  it('the SQS endpoint restarted empty (its store lost) while runs wait: every run still finishes, once', async () => {
    const runIds: string[] = [];
    // Two run at once; the rest wait in the queue.
    for (let i = 0; i < 6; i++) runIds.push(await requestSleep(user, sleeper, datasetId, 2));
    await stack.stopService('sqs');
    // Without this the endpoint would come back with every message, as AWS SQS does; the loss is the fault.
    stack.discardSqsState();
    // Accepted while the queue is away: the outbox keeps the message until it can be sent.
    runIds.push(await requestSleep(user, sleeper, datasetId, 1));
    await sleep(2_000);
    await stack.startService('sqs');

    await expectEachFinishedOnce(runIds);
    // The waiting runs' messages went with the endpoint's memory: the reconciler had to send them again.
    const [counted] = await stack.query<{ sent: number }>(`SELECT count(*)::int AS sent FROM outbox WHERE subject_id = ANY($1::uuid[])`, [runIds]);
    expect(counted?.sent).toBeGreaterThan(runIds.length);

    // Sent once or again, each run's messages carry the id of the request that created it, and so do the
    // workers' lines about the run: one id still finds its whole story.
    const messages = await stack.query<{ run_id: string; ids: string[]; sends: number }>(
      `SELECT subject_id AS run_id, array_agg(DISTINCT correlation_id) AS ids, count(*)::int AS sends FROM outbox WHERE subject_id = ANY($1::uuid[]) GROUP BY subject_id`,
      [runIds],
    );
    expect(messages).toHaveLength(runIds.length);
    for (const { run_id: runId, ids } of messages) expect({ runId, ids }).toEqual({ runId, ids: [expect.stringMatching(/^[A-Za-z0-9._-]{1,64}$/)] });
    const workerLines = readdirSync(join(stack.home, 'logs'))
      .filter((name) => name.startsWith('worker'))
      .flatMap((name) => readFileSync(join(stack.home, 'logs', name), 'utf8').split('\n'))
      .filter((line) => line.startsWith('{"'))
      .map((line) => JSON.parse(line) as { runId?: string; correlationId?: string });
    for (const { run_id: runId, ids, sends } of messages.filter((message) => message.sends > 1)) {
      const lines = workerLines.filter((line) => line.runId === runId);
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect({ runId, sends, correlationId: line.correlationId }).toEqual({ runId, sends, correlationId: ids[0] });
    }
  }, 300_000);

  it('PostgreSQL and Redis restarted under load: nothing accepted is lost or doubled, and the API answers 503 with a retry hint meanwhile', async () => {
    const accepted: string[] = [];
    const refused: ApiResponse[] = [];
    let loading = true;
    const load = (async () => {
      while (loading) {
        const response = await api('POST', '/runs', {
          token: user.token,
          body: { analysis: sleeper.slug, datasetIds: [datasetId], params: { seconds: 1 }, consent: SLEEPER_CONSENT },
        });
        if (response.status === 202) accepted.push(response.body.id);
        else refused.push(response);
        await sleep(300);
      }
    })();

    await eventually(async () => (accepted.length >= 3 ? true : undefined), 60_000, 'runs accepted before the outage');
    await stack.stopService('postgres');
    const readDuringOutage = await api('GET', `/runs/${accepted[0]}`, { token: user.token });
    const healthDuringOutage = await api('GET', '/health');
    await sleep(4_000);
    await stack.startService('postgres');
    await sleep(2_000);
    await stack.stopService('redis');
    await sleep(3_000);
    await stack.startService('redis');
    await sleep(2_000);
    loading = false;
    await load;

    expect(readDuringOutage.status).toBe(503);
    expect(readDuringOutage.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(readDuringOutage.body).toEqual({ statusCode: 503, error: 'Service Unavailable', message: expect.any(String), correlationId: expect.any(String) });
    expect(healthDuringOutage.status).toBe(503);
    // Anonymous callers learn up or down, nothing more (which dependency is down is in the admins' /health/details).
    expect(healthDuringOutage.body).toEqual({ status: 'down' });
    // Requests made while the database was away were refused the same way: never a 500, never a stack trace.
    expect(refused.length).toBeGreaterThan(0);
    for (const response of refused) {
      expect({ status: response.status, retryAfter: response.headers.get('retry-after') }).toEqual({ status: 503, retryAfter: expect.stringMatching(/^\d+$/) });
      expect(JSON.stringify(response.body)).not.toMatch(/\bat .+\.js:\d+/);
    }
    expect(accepted.length).toBeGreaterThan(10);

    await expectEachFinishedOnce(accepted);
  }, 420_000);
});
