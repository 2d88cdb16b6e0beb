import 'reflect-metadata';
import { Command } from 'commander';
import { DataSource } from 'typeorm';
import { UsersService } from '@lockbox/accounts';
import { loadConfig, QUEUE_NAMES, type QueueName } from '@lockbox/config';
import { dataSourceOptions, runMigrations, User } from '@lockbox/db';
import { installProcessLogger } from '@lockbox/logging';
import { QueueRepository } from '@lockbox/queue';

// What the platform's libraries log goes to stderr, as structured lines: stdout is the commands' answer.
installProcessLogger('admin', undefined, 2);

/** Operator commands: `npm run admin -- <command>`. Works against whatever stack the config points at. */
async function withDatabase<T>(action: (dataSource: DataSource) => Promise<T>): Promise<T> {
  const config = loadConfig();
  await runMigrations(config.database.url);
  const dataSource = await new DataSource(dataSourceOptions(config.database.url)).initialize();
  try {
    return await action(dataSource);
  } finally {
    await dataSource.destroy();
  }
}

function withUsers<T>(action: (users: UsersService) => Promise<T>): Promise<T> {
  return withDatabase((dataSource) => action(new UsersService(dataSource.getRepository(User))));
}

/** The error of each message's last failed delivery, as the worker recorded it when it gave the message up. */
async function lastErrors(messageIds: string[]): Promise<Map<string, string>> {
  if (messageIds.length === 0) return new Map();
  const rows = await withDatabase(
    (dataSource) =>
      dataSource.query(
        `SELECT DISTINCT ON (detail->>'messageId') detail->>'messageId' AS message_id, detail->>'error' AS error
           FROM audit_events WHERE action = 'queue.dead_lettered' AND detail->>'messageId' = ANY($1)
          ORDER BY detail->>'messageId', created_at DESC`,
        [messageIds],
      ) as Promise<Array<{ message_id: string; error: string }>>,
  );
  return new Map(rows.map((row) => [row.message_id, row.error]));
}

const program = new Command('admin').description('Lockbox operator commands').showHelpAfterError();

program
  .command('create')
  .description('Create an admin account, or make an existing account an admin with this password')
  .requiredOption('--email <email>', 'email address of the admin')
  .requiredOption('--password <password>', 'password, at least 10 characters')
  .action(async (options: { email: string; password: string }) => {
    if (options.password.length < 10) program.error('error: --password must be at least 10 characters');
    if (!/^[^@\s]+@[^@\s]+$/.test(options.email)) program.error('error: --email is not an email address');
    const user = await withUsers((users) => users.upsert(options.email, options.password, 'admin'));
    console.log(`admin ${user.email} ready (id ${user.id})`);
  });

/** The dead-letter queues of the stack the config points at; the client is closed afterwards. */
async function withQueue<T>(action: (queue: QueueRepository) => Promise<T>): Promise<T> {
  const queue = new QueueRepository(loadConfig().sqs);
  try {
    return await action(queue);
  } finally {
    await queue.onApplicationShutdown();
  }
}

function queueNames(name: string | undefined): QueueName[] {
  if (name === undefined) return [...QUEUE_NAMES];
  if (!QUEUE_NAMES.includes(name as QueueName)) program.error(`error: --queue must be one of ${QUEUE_NAMES.join(', ')}`);
  return [name as QueueName];
}

const dlq = program.command('dlq').description('Inspect and replay dead letters: messages that failed maxReceiveCount times with a platform fault');

dlq
  .command('list')
  .description('List the dead letters of one queue, or of every queue (listing leaves them in place)')
  .option('--queue <queue>', `one of ${QUEUE_NAMES.join(', ')}; default: all`)
  .option('--max <n>', 'at most this many per queue', '100')
  .action(async (options: { queue?: string; max: string }) => {
    const max = Number(options.max);
    if (!Number.isInteger(max) || max < 1 || max > 1000) program.error('error: --max must be an integer from 1 to 1000');
    await withQueue(async (queue) => {
      for (const name of queueNames(options.queue)) {
        const letters = await queue.listDeadLetters(name, max);
        const errors = await lastErrors(letters.map((letter) => letter.messageId));
        console.log(`${name}: ${letters.length} dead letter(s)`);
        for (const letter of letters) {
          console.log(`  ${letter.messageId}  sent ${letter.sentAt.toISOString()}  received ${letter.receiveCount}x  ${letter.body}`);
          const error = errors.get(letter.messageId);
          if (error) console.log(`    last error: ${error}`);
        }
      }
    });
  });

dlq
  .command('redrive')
  .description('Move every dead letter of a queue back to the queue; workers claim, so a job already finished is not run again')
  .requiredOption('--queue <queue>', `one of ${QUEUE_NAMES.join(', ')}`)
  .action(async (options: { queue: string }) => {
    const [name] = queueNames(options.queue);
    const moved = await withQueue((queue) => queue.redriveDeadLetters(name!)); // one queue named: one name
    console.log(`${name}: redrove ${moved} dead letter(s)`);
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
