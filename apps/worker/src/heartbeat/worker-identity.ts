import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/** Who this worker process is; stamped on its heartbeats, leases and container labels. */
export class WorkerIdentity {
  readonly id = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  readonly hostname = hostname();
  readonly pid = process.pid;
  readonly startedAt = new Date();
}
