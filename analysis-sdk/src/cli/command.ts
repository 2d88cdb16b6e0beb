// The shape of one `lockbox` command and the argument parsing they share (node's util.parseArgs).
import { parseArgs } from 'node:util';
import type { CliIo } from './cli-io';
import { UsageError } from './cli-error';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** Shown in --help, e.g. `--records <n>  records per kind (default 200)`. */
  description: string;
  /** The placeholder of a string option's value in --help. */
  value?: string;
}

export interface ParsedArgs {
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
}

export interface Command {
  /** `init`, `base build`… */
  name: string;
  /** One line for `lockbox --help`. */
  brief: string;
  summary: string;
  /** The positional part of the synopsis, e.g. `<dir>` or `[dir]`. */
  synopsis: string;
  /** Extra paragraphs of --help. */
  details?: string;
  options: Record<string, OptionSpec>;
  minPositionals: number;
  maxPositionals: number;
  /** Resolves with the exit code. */
  run(args: ParsedArgs, io: CliIo): Promise<number>;
}

/** Parses `argv` (after the command name) for `command`; UsageError names what is wrong. */
export function parseCommandArgs(command: Command, argv: readonly string[]): ParsedArgs | 'help' {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const [name, spec] of Object.entries(command.options)) options[name] = { type: spec.type, ...(spec.short ? { short: spec.short } : {}) };
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    // parseArgs' messages are clear ("Unknown option '--x'"); drop its advice about "--" for positionals.
    throw new UsageError(`${(error as Error).message.split('. To specify')[0]!.replace(/\.$/, '')} (see lockbox ${command.name} --help)`);
  }
  if (parsed.values.help) return 'help';
  const { positionals } = parsed;
  if (positionals.length < command.minPositionals) {
    throw new UsageError(`missing argument: lockbox ${command.name} ${command.synopsis} (see lockbox ${command.name} --help)`);
  }
  if (positionals.length > command.maxPositionals) {
    throw new UsageError(`unexpected argument '${positionals[command.maxPositionals]}' (see lockbox ${command.name} --help)`);
  }
  return { positionals, values: parsed.values as ParsedArgs['values'] };
}

export function commandHelp(command: Command): string {
  const lines = [
    `Usage: lockbox ${command.name}${command.synopsis ? ` ${command.synopsis}` : ''}${Object.keys(command.options).length ? ' [options]' : ''}`,
    '',
    command.summary,
  ];
  if (command.details) lines.push('', command.details.trim());
  const rows = Object.entries(command.options).map(([name, spec]) => [
    `${spec.short ? `-${spec.short}, ` : '    '}--${name}${spec.type === 'string' ? ` <${spec.value ?? 'value'}>` : ''}`,
    spec.description,
  ]);
  rows.push(['-h, --help', 'show this help']);
  const width = Math.max(...rows.map(([flag]) => flag!.length));
  lines.push('', 'Options:', ...rows.map(([flag, description]) => `  ${flag!.padEnd(width)}  ${description}`));
  return `${lines.join('\n')}\n`;
}

/** A string option, or undefined; a boolean given for it cannot happen with strict parsing. */
export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === 'string' ? value : undefined;
}

/** A non-negative integer option (`--records 200`), or `fallback`. */
export function integerOption(args: ParsedArgs, name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  const text = stringOption(args, name);
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) > max) throw new UsageError(`--${name} must be a whole number from 0 to ${max} (got '${text}')`);
  return Number(text);
}
