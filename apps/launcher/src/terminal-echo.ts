import { prettyFactory } from 'pino-pretty';
import { loadLogSettings } from '@lockbox/config';
import { PRETTY_OPTIONS } from '@lockbox/logging';

/**
 * How the launcher repeats its processes' output on its own terminal: not at all (tests), line for line,
 * or with their JSON lines made readable (the log files keep the JSON either way).
 */
export type EchoStyle = 'off' | 'raw' | 'pretty';

/** Pretty when the launcher's output is a terminal and LOCKBOX_LOG_FORMAT does not ask for JSON. */
export function echoStyleFor(env: NodeJS.ProcessEnv, isTerminal = process.stdout.isTTY === true): EchoStyle {
  if (env.LOCKBOX_LAUNCHER_QUIET === '1') return 'off';
  const { format } = loadLogSettings(env);
  return format === 'pretty' || (format === 'auto' && isTerminal) ? 'pretty' : 'raw';
}

/** Splits a process's output into lines (a chunk may end mid-line) and writes each, prefixed with the process's name. */
export class TerminalEcho {
  private partial = '';
  private readonly prettify?: (line: string) => string;

  constructor(
    private readonly name: string,
    style: Exclude<EchoStyle, 'off'>,
    private readonly write: (text: string) => void = (text) => void process.stdout.write(text),
  ) {
    if (style === 'pretty') {
      const format = prettyFactory({ ...PRETTY_OPTIONS, colorize: true });
      this.prettify = (line) => (line.startsWith('{') ? format(line).trimEnd() : line);
    }
  }

  push(chunk: Buffer | string): void {
    const lines = (this.partial + chunk.toString()).split('\n');
    this.partial = lines.pop() ?? '';
    const text = lines
      .filter((line) => line.length > 0)
      .map((line) => `[${this.name}] ${this.format(line)}\n`)
      .join('');
    if (text) this.write(text);
  }

  /** What is left of an unfinished last line, when the process has exited. */
  end(): void {
    if (this.partial) this.write(`[${this.name}] ${this.format(this.partial)}\n`);
    this.partial = '';
  }

  private format(line: string): string {
    if (!this.prettify) return line;
    try {
      return this.prettify(line);
    } catch {
      return line;
    }
  }
}
