import { createServer } from 'node:net';

/**
 * Asks the OS for a free TCP port on the loopback interface. Another process could take it before the
 * service binds it; that window is a few milliseconds and a start failure then names the port.
 */
export async function findFreePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('the OS did not assign a TCP port');
  return address.port;
}
