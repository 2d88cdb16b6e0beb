// lockbox init <dir>: a working analysis to start from.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { NAME_PATTERN, validateManifest } from '../../manifest';
import { CliError, systemErrorMessage, UsageError } from '../cli-error';
import { stringOption, type Command } from '../command';
import { sdkVersion } from '../sdk-package';
import { analysisNameFrom, scaffoldFiles } from '../scaffold';
import { DEFAULT_FIXTURE_RECORDS, DEFAULT_FIXTURE_SEED, DEFAULT_FIXTURES_FILE, fixtureLines } from './fixtures.command';

export const initCommand: Command = {
  name: 'init',
  brief: 'create a working analysis project',
  synopsis: '<dir>',
  summary:
    'Creates a working analysis in <dir>: lockbox.json, src/main.ts (SDK runtime), src/analysis.ts and its test, a Dockerfile FROM the base image, and fixtures.',
  details: `The analysis counts posts and likes by hour of day. It builds and runs as is:
  cd <dir> && lockbox test && lockbox run --data ${DEFAULT_FIXTURES_FILE}
<dir> must not exist or be empty.`,
  options: {
    name: { type: 'string', value: 'name', description: 'the analysis name, its catalogue slug (default: from <dir>)' },
  },
  minPositionals: 1,
  maxPositionals: 1,
  async run(args, io) {
    const dir = resolve(io.cwd, args.positionals[0]!);
    const name = stringOption(args, 'name') ?? analysisNameFrom(basename(dir));
    if (!new RegExp(NAME_PATTERN).test(name) || name.length < 3 || name.length > 64) {
      throw new UsageError(`--name '${name}' must be 3 to 64 characters of lowercase letters, digits and hyphens, starting with a letter`);
    }
    const existing = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw new CliError(`cannot use ${dir}: ${error.message}`);
    });
    if (existing.length > 0) throw new CliError(`${dir} is not empty: lockbox init creates a new project (choose a new directory)`);

    const files = scaffoldFiles({ name, sdkVersion: sdkVersion() });
    // The template must satisfy the rules it teaches; a failure here is the SDK's bug.
    const check = validateManifest(JSON.parse(files['lockbox.json']!));
    if (!check.ok) throw new Error(`the scaffold's manifest is invalid: ${check.errors.map((error) => error.message).join('; ')}`);
    files[DEFAULT_FIXTURES_FILE] = fixtureLines(check.manifest.scopes, DEFAULT_FIXTURE_RECORDS, DEFAULT_FIXTURE_SEED);

    for (const [path, content] of Object.entries(files)) {
      const target = join(dir, path);
      try {
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, content);
      } catch (error) {
        throw new CliError(`cannot write ${target}: ${systemErrorMessage(error) ?? (error as Error).message}`);
      }
    }
    const shown = relative(io.cwd, dir) || '.';
    io.err(
      `created ${name} in ${shown}:\n${Object.keys(files)
        .sort()
        .map((path) => `  ${path}`)
        .join('\n')}\n\nNext:\n  cd ${shown}\n  lockbox test\n  lockbox run --data ${DEFAULT_FIXTURES_FILE}\n`,
    );
    io.out(`${dir}\n`);
    return 0;
  },
};
