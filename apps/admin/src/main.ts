import 'reflect-metadata';
import { Command } from 'commander';
import { DataSource } from 'typeorm';
import { UsersService } from '@lockbox/accounts';
import { loadConfig } from '@lockbox/config';
import { dataSourceOptions, runMigrations, User } from '@lockbox/db';

/** Operator commands: `npm run admin -- <command>`. Works against whatever stack the config points at. */
async function withUsers<T>(action: (users: UsersService) => Promise<T>): Promise<T> {
  const config = loadConfig();
  await runMigrations(config.database.url);
  const dataSource = await new DataSource(dataSourceOptions(config.database.url)).initialize();
  try {
    return await action(new UsersService(dataSource.getRepository(User)));
  } finally {
    await dataSource.destroy();
  }
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

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
