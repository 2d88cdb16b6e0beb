import { UsageError } from './cli-error';
import { commandHelp, integerOption, parseCommandArgs, type Command } from './command';

const command: Command = {
  name: 'fixtures',
  brief: 'b',
  summary: 'Writes fixtures.',
  synopsis: '[dir]',
  options: {
    records: { type: 'string', value: 'n', description: 'records per kind' },
    watch: { type: 'boolean', short: 'w', description: 'follow' },
  },
  minPositionals: 0,
  maxPositionals: 1,
  run: async () => 0,
};

describe('parseCommandArgs', () => {
  it('reads options and positionals', () => {
    expect(parseCommandArgs(command, ['dir', '--records', '5', '-w'])).toEqual({ positionals: ['dir'], values: { records: '5', watch: true } });
  });

  it('answers --help and -h before anything else', () => {
    expect(parseCommandArgs(command, ['--help'])).toBe('help');
    expect(parseCommandArgs(command, ['a', 'b', '-h'])).toBe('help');
  });

  it('refuses unknown options, missing values and extra arguments with a usage error (exit code 2)', () => {
    const attempt = (argv: string[]) => {
      try {
        parseCommandArgs(command, argv);
      } catch (error) {
        return error as UsageError;
      }
      throw new Error('no error');
    };
    const unknown = attempt(['--recrods', '5']);
    expect(unknown).toBeInstanceOf(UsageError);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.message).toContain("'--recrods'");
    expect(unknown.message).toContain('lockbox fixtures --help');
    expect(attempt(['--records']).message).toContain('--records');
    expect(attempt(['a', 'b']).message).toContain("unexpected argument 'b'");
  });

  it('requires the positionals a command needs', () => {
    expect(() => parseCommandArgs({ ...command, name: 'init', synopsis: '<dir>', minPositionals: 1 }, [])).toThrow('missing argument: lockbox init <dir>');
  });
});

describe('integerOption', () => {
  const args = (value?: string) => ({ positionals: [], values: { records: value } });

  it('gives the fallback when absent and the number when valid', () => {
    expect(integerOption(args(), 'records', 200)).toBe(200);
    expect(integerOption(args('0'), 'records', 200)).toBe(0);
    expect(integerOption(args('100'), 'records', 200, 100)).toBe(100);
  });

  it('refuses anything but a whole number within bounds', () => {
    for (const value of ['-1', '1.5', 'ten', '', '101']) expect(() => integerOption(args(value), 'records', 200, 100)).toThrow(UsageError);
  });
});

describe('commandHelp', () => {
  it('shows the synopsis, every option with its value and --help', () => {
    const help = commandHelp(command);
    expect(help).toContain('Usage: lockbox fixtures [dir] [options]');
    expect(help).toContain('--records <n>');
    expect(help).toContain('-w, --watch');
    expect(help).toContain('-h, --help');
  });
});
