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
  giveBackCapacity(): void;
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
