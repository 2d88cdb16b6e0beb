import { hostname } from 'node:os';
import pino, { type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { LogFormat, LogSettings } from '@lockbox/config';
import { currentLogContext } from './log-context';
import { REDACTED, REDACTED_PATHS, scrubText } from './redaction';

/** The platform's processes; every line names the one that wrote it. */
export type LockboxService = 'api' | 'worker' | 'launcher' | 'admin';

export interface ProcessLoggerOptions extends LogSettings {
  service: LockboxService;
  /** The file descriptor lines go to: 1 (stdout) unless the process keeps stdout for its own output. */
  fd?: number;
  /** Whether `fd` is a terminal, which `auto` formats pretty; read from the descriptor when not given. */
  isTerminal?: boolean;
  /** Where JSON lines go instead of `fd` (tests). */
  destination?: DestinationStream;
}

export type ProcessLogger = Logger;

/** How a line looks on a terminal; the same for the process itself and for the launcher's echo of its children. */
export const PRETTY_OPTIONS = {
  translateTime: 'SYS:HH:MM:ss.l',
  ignore: 'pid,hostname,service,context',
  messageFormat: '{if context}[{context}] {end}{msg}',
  singleLine: true,
};

/**
 * The pino logger of one process: JSON lines (or pretty text on a terminal) with `level`, `time`,
 * `service`, `pid`, `hostname`, the work's log context (correlation, run, dataset, submission ids, job
 * type, attempt) and the message. The message and the line's string fields are scrubbed (`scrubText`),
 * known secret keys are redacted, and errors are reduced to their type, code, message and stack, because
 * an error's other properties (a failed query's parameters, say) may hold anyone's data.
 */
export function createProcessLogger(options: ProcessLoggerOptions): ProcessLogger {
  const fd = options.fd ?? 1;
  const prettyOutput = usesPrettyOutput(options.format, options.isTerminal ?? isTerminalDescriptor(fd));
  const destination =
    options.destination ?? (prettyOutput ? pretty({ ...PRETTY_OPTIONS, destination: fd, sync: true }) : pino.destination({ dest: fd, sync: true }));
  return pino(
    {
      level: options.level,
      base: { service: options.service, pid: process.pid, hostname: hostname() },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => ({ ...currentLogContext() }),
      redact: { paths: REDACTED_PATHS, censor: REDACTED },
      serializers: { err: serializeError },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map(scrubArgument) as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}

/** `auto` is pretty on a terminal only: a file, a pipe or a log collector gets JSON lines. */
export function usesPrettyOutput(format: LogFormat, isTerminal: boolean): boolean {
  return format === 'pretty' || (format === 'auto' && isTerminal);
}

export interface SerializedError {
  type: string;
  message: string;
  code?: string;
  stack?: string;
  cause?: SerializedError;
}

/** An error as a log line may show it: nothing but what says what went wrong and where, scrubbed. */
export function serializeError(error: unknown, depth = 0): SerializedError {
  if (!(error instanceof Error)) return { type: typeof error, message: scrubText(String(error)) };
  const { code } = error as { code?: unknown };
  const serialized: SerializedError = { type: error.name, message: scrubText(error.message) };
  if (typeof code === 'string' || typeof code === 'number') serialized.code = String(code);
  if (error.stack) serialized.stack = scrubText(error.stack);
  if (error.cause !== undefined && depth < 3) serialized.cause = serializeError(error.cause, depth + 1);
  return serialized;
}

/** A message, or the string fields of the object a line is made from, scrubbed; anything else as it is. */
function scrubArgument(arg: unknown): unknown {
  if (typeof arg === 'string') return scrubText(arg);
  if (typeof arg !== 'object' || arg === null || Object.getPrototypeOf(arg) !== Object.prototype) return arg;
  return Object.fromEntries(Object.entries(arg).map(([key, value]) => [key, typeof value === 'string' ? scrubText(value) : value]));
}

function isTerminalDescriptor(fd: number): boolean {
  if (fd === 1) return process.stdout.isTTY === true;
  if (fd === 2) return process.stderr.isTTY === true;
  return false;
}
