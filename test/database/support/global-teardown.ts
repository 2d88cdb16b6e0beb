// Jest global teardown of the database project: stops its PostgreSQL. The home stays for a day, for its log.
import { stopTestDatabase } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  await stopTestDatabase();
}
