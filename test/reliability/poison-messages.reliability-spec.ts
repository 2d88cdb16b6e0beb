import { randomUUID } from 'node:crypto';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Client } from 'pg';
import { loadConfig, queueNameFor } from '@lockbox/config';
import { eventually } from '../support/session';

/**
 * Poison messages on the shared test stack's runs queue: one no handler can parse, one that names a run
 * that does not exist. Both must be acknowledged (gone from the queue, not dead-lettered, not looping);
 * the unparseable one is also recorded for an admin in audit_events.
 */
describe('poison messages', () => {
  const config = loadConfig();
  const sqs = new SQSClient({ region: config.sqs.region, endpoint: config.sqs.endpoint, credentials: config.sqs.credentials });
  const db = new Client({ connectionString: config.database.url });
  let queueUrl: string;

  beforeAll(async () => {
    await db.connect();
    ({ QueueUrl: queueUrl = '' } = await sqs.send(new GetQueueUrlCommand({ QueueName: queueNameFor(config.sqs, 'runs') })));
  });

  afterAll(async () => {
    await db.end();
    sqs.destroy();
  });

  async function messagesOnQueue(): Promise<number> {
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    return Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible);
  }

  it('acknowledges and records a message that is not JSON, exactly once', async () => {
    const { MessageId } = await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '{not json' }));
    const recorded = async () =>
      (
        (await db.query(`SELECT action, detail FROM audit_events WHERE action = 'queue.poison_dropped' AND detail->>'messageId' = $1`, [MessageId])) as {
          rows: Array<{ action: string; detail: { queue: string; body: string } }>;
        }
      ).rows;
    await eventually(async () => ((await recorded()).length === 1 ? true : undefined), 30_000, 'the poison message recorded');
    await eventually(async () => ((await messagesOnQueue()) === 0 ? true : undefined), 30_000, 'the runs queue empty');
    const rows = await recorded();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.detail).toMatchObject({ queue: 'runs', body: '{not json' });
  }, 90_000);

  it('acknowledges a run.execute for a run that does not exist without touching any run', async () => {
    const runsBefore = Number(((await db.query(`SELECT count(*) FROM runs`)) as { rows: Array<{ count: string }> }).rows[0]!.count);
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ type: 'run.execute', id: randomUUID() }) }));
    await eventually(async () => ((await messagesOnQueue()) === 0 ? true : undefined), 30_000, 'the runs queue empty');
    const runsAfter = Number(((await db.query(`SELECT count(*) FROM runs`)) as { rows: Array<{ count: string }> }).rows[0]!.count);
    expect(runsAfter).toBe(runsBefore);
  }, 90_000);
});
