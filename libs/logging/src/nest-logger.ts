import type { LoggerService, LogLevel as NestLogLevel } from '@nestjs/common';
import type { ProcessLogger } from './process-logger';
import { scrubText } from './redaction';

/** Nest's own start-up chatter (modules loaded, routes mapped): worth a line only when debugging. */
const FRAMEWORK_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory', 'NestApplication']);

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * Nest's LoggerService over the process's pino logger, installed with `Logger.overrideLogger`: every
 * `new Logger(Context)` in the code base keeps working and writes a JSON line with `context`.
 * Nest calls it as `log(message, ...params, context)`, and `error(message, stack?, context?)`; a plain
 * object among the params adds its properties to the line as fields.
 */
export class NestLogger implements LoggerService {
  constructor(private readonly logger: ProcessLogger) {}

  log(message: unknown, ...params: unknown[]): void {
    const context = contextOf(params);
    this.write(context !== undefined && FRAMEWORK_CONTEXTS.has(context) ? 'debug' : 'info', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  /** The level comes from LOCKBOX_LOG_LEVEL alone; Nest's own level lists are not used. */
  setLogLevels(_levels: NestLogLevel[]): void {}

  private write(level: Level, message: unknown, params: unknown[]): void {
    if (!this.logger.isLevelEnabled(level)) return;
    const rest = [...params];
    const context = contextOf(rest);
    if (context !== undefined) rest.pop();
    const fields: Record<string, unknown> = context === undefined ? {} : { context };
    // Structured fields: `logger.log('run queued', { runId })` puts runId on the line, as a field.
    for (const param of rest) if (isPlainObject(param)) Object.assign(fields, param);
    // What Nest passes to error() after the message: the stack of the error it describes.
    const stack = level === 'error' || level === 'fatal' ? rest.find((param): param is string => typeof param === 'string') : undefined;
    if (stack !== undefined) fields.stack = scrubText(stack);

    if (message instanceof Error) {
      fields.err = message;
      this.logger[level](fields, message.message);
    } else if (typeof message === 'string') {
      this.logger[level](fields, message);
    } else {
      this.logger[level]({ ...fields, detail: message }, typeof message);
    }
  }
}

/** Nest appends the logger's context as the last parameter: a name, never a stack (which spans lines). */
function contextOf(params: unknown[]): string | undefined {
  const last = params.length > 0 ? params[params.length - 1] : undefined;
  return typeof last === 'string' && !last.includes('\n') ? last : undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}
