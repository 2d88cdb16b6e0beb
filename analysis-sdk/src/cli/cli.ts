// Dispatching `lockbox <command> …`: help, usage errors and exit codes in one place.
import { CliError, systemErrorMessage } from './cli-error';
import type { CliIo } from './cli-io';
import { commandHelp, parseCommandArgs, type Command } from './command';
import { baseCommand } from './commands/base.command';
import { buildCommand } from './commands/build.command';
import { fixturesCommand } from './commands/fixtures.command';
import { initCommand } from './commands/init.command';
import { loginCommand } from './commands/login.command';
import { packCommand } from './commands/pack.command';
import { runCommand } from './commands/run.command';
import { statusCommand } from './commands/status.command';
import { submitCommand } from './commands/submit.command';
import { testCommand } from './commands/test.command';
import { validateCommand } from './commands/validate.command';
import { sdkVersion } from './sdk-package';

/** In the order of a developer's day. */
export const COMMANDS: readonly Command[] = [
  baseCommand,
  initCommand,
  validateCommand,
  fixturesCommand,
  testCommand,
  buildCommand,
  runCommand,
  packCommand,
  loginCommand,
  submitCommand,
  statusCommand,
];

export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((command) => `${command.name} ${command.synopsis}`.length));
  return [
    'Usage: lockbox <command> [options]',
    '',
    'Build, test and submit Lockbox analyses.',
    '',
    'Commands:',
    ...COMMANDS.map((command) => `  ${`${command.name} ${command.synopsis}`.padEnd(width)}  ${command.brief}`),
    '',
    'Run lockbox <command> --help for the options of a command. lockbox --version prints the SDK version.',
    '',
  ].join('\n');
}

/** Runs one CLI invocation; resolves with the exit code (0 ok, 1 failure, 2 usage error). */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    io.out(mainHelp());
    return name === undefined ? 2 : 0;
  }
  if (name === '-v' || name === '--version') {
    io.out(`${sdkVersion()}\n`);
    return 0;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    io.err(`lockbox: unknown command '${name}'\n\n${mainHelp()}`);
    return 2;
  }
  try {
    const args = parseCommandArgs(command, rest);
    if (args === 'help') {
      io.out(commandHelp(command));
      return 0;
    }
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof CliError) {
      io.err(`lockbox ${command.name}: ${error.message}\n`);
      return error.exitCode;
    }
    // A path or address the user gave that does not work, which a command did not put in its own words.
    const systemError = systemErrorMessage(error);
    if (systemError !== undefined) {
      io.err(`lockbox ${command.name}: ${systemError}\n`);
      return 1;
    }
    io.err(`lockbox ${command.name}: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}
