import type { QueueMessageOf, QueueMessageType } from '@lockbox/queue';

/** Injection token under which every job handler registers itself (a multi-provider list). */
export const JOB_HANDLERS = Symbol('JOB_HANDLERS');

export interface JobContext {
  /** How many times the queue has delivered this message, this delivery included. */
  receiveCount: number;
  /**
   * Aborted when the worker shuts down and the grace period is over: the handler must stop and answer
   * `handed_back` (JobLeaseService.runClaimed releases the claim). The message then becomes visible to
   * other workers at once.
   */
  shutdown: AbortSignal;
  /**
   * The job no longer needs its share of the worker's capacity for its queue (a run whose container has
   * exited): the consumer may take the next message while this job finishes. Called again, or not at all, is fine.
   */
  giveBackCapacity: () => void;
  /**
   * Aborted when the job overran its queue's deadline (`jobDeadlineMs`): the worker has given up on it as
   * stalled and taken its share of capacity back. The job's lease is no longer renewed (the handler sees it
   * as lost): it must stop and write nothing, and not hand the job back, so the attempt counts as lost.
   */
  abandoned: AbortSignal;
  /**
   * Waits until this job is the only one on the worker, and keeps every other job off it until this one
   * ends. For a job whose earlier attempt was lost: a crash takes down every job of the worker, so a crash
   * of this attempt is then this job's own and charges no other. False when the worker began to shut down
   * meanwhile: hand the job back.
   */
  runAlone(): Promise<boolean>;
}

/**
 * What became of a job, and so what the consumer does with its message:
 * - `done`: an outcome is committed, or there was nothing to do (a duplicate, a lease another worker
 *   took over): the message is deleted.
 * - `handed_back`: the claim was released (shutdown): the message is made visible at once for another worker.
 * - `retry_later`: a platform fault; the claim was released: the message comes back after a backoff.
 */
export type JobOutcome = { kind: 'done' } | { kind: 'handed_back' } | { kind: 'retry_later'; fault: unknown };

export const DONE: JobOutcome = { kind: 'done' };
export const HANDED_BACK: JobOutcome = { kind: 'handed_back' };
export function retryLater(fault: unknown): JobOutcome {
  return { kind: 'retry_later', fault };
}

/**
 * One handler per message type; it answers with the job's outcome. A handler that throws is treated as
 * `retry_later`. Analysis faults are outcomes, recorded by the handler, never thrown.
 */
export interface JobHandler<T extends QueueMessageType = QueueMessageType> {
  readonly messageType: T;
  handle(message: QueueMessageOf<T>, context: JobContext): Promise<JobOutcome>;
}
