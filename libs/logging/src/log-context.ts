import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What a log line says about the work it belongs to. Identifiers only: never an email, a name, a token
 * or anything from a person's data.
 */
export interface LogContext {
  /** The HTTP request's id (`X-Request-Id`), carried through the outbox and SQS to the worker's job. */
  correlationId?: string;
  runId?: string;
  /** A submission is an analysis version under review: its id is the version's. */
  submissionId?: string;
  datasetId?: string;
  /** The queue message type of the job a worker is on (`run.execute`, …). */
  jobType?: string;
  /** The claim's attempt number. */
  attempt?: number;
}

const storage = new AsyncLocalStorage<LogContext>();

/**
 * Runs `work` with the current context plus `fields`: every line logged from it, and from whatever it
 * starts (awaits, timers, callbacks), carries them without being passed them.
 */
export function runWithLogContext<T>(fields: LogContext, work: () => T): T {
  return storage.run({ ...storage.getStore(), ...definedFields(fields) }, work);
}

/**
 * Adds fields to the context of the work in progress, e.g. the run id once a request created the run,
 * or the attempt once a job is claimed. Outside any context it does nothing: there is no work to tag.
 */
export function addToLogContext(fields: LogContext): void {
  const store = storage.getStore();
  if (store) Object.assign(store, definedFields(fields));
}

/** A field given as undefined leaves what the context has. */
function definedFields(fields: LogContext): LogContext {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as LogContext;
}

/** A copy of the current context; empty outside one. */
export function currentLogContext(): LogContext {
  return { ...storage.getStore() };
}

export function currentCorrelationId(): string | undefined {
  return storage.getStore()?.correlationId;
}

const CORRELATION_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * A correlation id a caller or a queue message may hand us: short, and only characters that need no
 * escaping anywhere (a header, a log line, an SQS attribute). Anything else is replaced, not trusted.
 */
export function isCorrelationId(value: unknown): value is string {
  return typeof value === 'string' && CORRELATION_ID.test(value);
}

/**
 * The function, bound to the context of the work in progress: for a callback some emitter calls later,
 * outside it (the end of an HTTP response, say), whose lines must still carry the work's fields.
 */
export function bindToLogContext<A extends unknown[], R>(callback: (...args: A) => R): (...args: A) => R {
  return AsyncLocalStorage.bind(callback);
}
