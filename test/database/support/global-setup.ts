// Jest global setup of the database project: one real PostgreSQL (the embedded one the test stacks run)
// for the whole project, with a template database migrated once. Each suite clones the template into a
// database of its own (./database.ts), so suites run in parallel and none sees another's rows. Runs in
// jest's parent process, where path aliases do not resolve: imports are relative.
import { runMigrations } from '../../../libs/db/src/data-source';
import { EmbeddedPostgresServer } from '../../../libs/embedded/src/postgres';
import { assertPlatformNode, newTestHome } from '../../support/global-setup';

/** The database every suite's is cloned from. */
export const TEMPLATE_DATABASE = 'lockbox_template';

const STATE_KEY = Symbol.for('lockbox.testDatabaseServer');

type State = Record<symbol, EmbeddedPostgresServer | undefined>;

export default async function globalSetup(): Promise<void> {
  if ((globalThis as State)[STATE_KEY]) return;
  assertPlatformNode();
  const startedAt = Date.now();
  const server = new EmbeddedPostgresServer({ home: newTestHome('database'), database: TEMPLATE_DATABASE });
  (globalThis as State)[STATE_KEY] = server;
  await server.start();
  await runMigrations(server.url);
  // The suites' helper connects to the server's own database to clone the template.
  process.env.LOCKBOX_TEST_POSTGRES_URL = server.urlFor('postgres');
  process.env.LOCKBOX_TEST_TEMPLATE_DATABASE = TEMPLATE_DATABASE;
  console.log(`\nlockbox test database up and migrated in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
}

export async function stopTestDatabase(): Promise<void> {
  const server = (globalThis as State)[STATE_KEY];
  (globalThis as State)[STATE_KEY] = undefined;
  await server?.stop();
}
