import type { QueueMessageOf, QueueMessageType } from '@lockbox/queue';

/** Injection token under which every job handler registers itself (a multi-provider list). */
export const JOB_HANDLERS = Symbol('JOB_HANDLERS');

export interface JobContext {
  /** How many times the queue has delivered this message, this delivery included. */
  receiveCount: number;
  /**
   * Aborted when the worker shuts down and the grace period is over: the handler must stop, hand its
   * job back (release the claim) and return. The message then becomes visible to other workers at once.
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
 * One handler per message type. Returning means the message is done (also for duplicates, which find
 * nothing to claim); throwing means a platform fault: the message stays and is delivered again later.
 * Analysis faults are outcomes, recorded by the handler, never thrown.
 */
export interface JobHandler<T extends QueueMessageType = QueueMessageType> {
  readonly messageType: T;
  handle(message: QueueMessageOf<T>, context: JobContext): Promise<void>;
}
