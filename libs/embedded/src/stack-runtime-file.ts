import { instanceIdFor, writeRuntimeFile } from '@lockbox/config';
import type { EmbeddedEndpoints } from './embedded-stack';

/**
 * Records a running stack's endpoints in `<home>/runtime.json`, where `loadConfig`, `npm run worker`
 * and the CLI find them. The process writing it is recorded as the launcher: it owns the services.
 */
export function writeStackRuntimeFile(home: string, endpoints: EmbeddedEndpoints, extra: { apiUrl?: string } = {}): void {
  writeRuntimeFile(home, {
    version: 1,
    instanceId: instanceIdFor(home),
    launcherPid: process.pid,
    startedAt: new Date().toISOString(),
    ...extra,
    ...endpoints,
  });
}
