import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { deadLetterQueueNameFor, loadConfig } from '@lockbox/config';
import { eventually } from '../support/session';

const run = promisify(execFile);
const ADMIN = resolve(__dirname, '../../dist/apps/admin/src/main.js');

/**
 * The admin's view of dead letters, through the real `lockbox-admin dlq` command against the shared test
 * stack: a dead letter placed on the runs DLQ is listed (and stays), then redriven to the runs queue, where
 * the worker acknowledges it (it names no real run) — so the DLQ ends empty and nothing loops.
 */
describe('lockbox-admin dlq', () => {
  const config = loadConfig();
  const sqs = new SQSClient({ region: config.sqs.region, endpoint: config.sqs.endpoint, credentials: config.sqs.credentials });
  let deadLetterUrl: string;

  beforeAll(async () => {
    ({ QueueUrl: deadLetterUrl = '' } = await sqs.send(new GetQueueUrlCommand({ QueueName: deadLetterQueueNameFor(config.sqs, 'runs') })));
  });

  afterAll(() => sqs.destroy());

  async function deadLetters(): Promise<number> {
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: deadLetterUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    return Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible);
  }

  it('lists a dead letter without removing it, then redrives it', async () => {
    const body = JSON.stringify({ type: 'run.execute', id: randomUUID() });
    const { MessageId } = await sqs.send(new SendMessageCommand({ QueueUrl: deadLetterUrl, MessageBody: body }));

    const listed = await run('node', [ADMIN, 'dlq', 'list', '--queue', 'runs'], { env: process.env });
    expect(listed.stdout).toContain('runs: 1 dead letter(s)');
    expect(listed.stdout).toContain(MessageId);
    expect(listed.stdout).toContain(body);
    // Listing hands the messages back after a short hold; they are still there.
    expect(await deadLetters()).toBe(1);

    // The listing holds the letter briefly; redrive moves it once it is visible again.
    const redriven = await eventually(
      async () => {
        const { stdout } = await run('node', [ADMIN, 'dlq', 'redrive', '--queue', 'runs'], { env: process.env });
        return stdout.includes('redrove 1 ') ? stdout : undefined;
      },
      60_000,
      'the dead letter redriven',
    );
    expect(redriven).toContain('runs: redrove 1 dead letter(s)');
    expect(await deadLetters()).toBe(0);
  }, 120_000);

  it('rejects an unknown queue with a clear message', async () => {
    await expect(run('node', [ADMIN, 'dlq', 'redrive', '--queue', 'nope'], { env: process.env })).rejects.toMatchObject({
      stderr: expect.stringContaining('--queue must be one of runs, ingest, checks'),
    });
  });
});
