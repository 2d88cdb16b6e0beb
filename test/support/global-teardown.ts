// Jest global teardown: stops the test stack's launcher, which stops its apps and services in order.
// The home stays for a day, for its logs.
import { stopTestStack } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  await stopTestStack();
}
