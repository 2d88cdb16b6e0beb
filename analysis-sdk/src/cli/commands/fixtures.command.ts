// lockbox fixtures: synthetic personal data for the kinds the manifest declares, so no real person's data is needed.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { generateFixtures, MAX_FIXTURE_RECORDS } from '../../fixtures';
import { validateRecord } from '../../records';
import { CliError } from '../cli-error';
import { integerOption, stringOption, type Command } from '../command';
import { loadProject } from '../project';

export const DEFAULT_FIXTURE_RECORDS = 200;
export const DEFAULT_FIXTURE_SEED = 1;
export const DEFAULT_FIXTURES_FILE = 'fixtures/data.jsonl';

/**
 * The dataset lines (canonical JSONL, every field set, kinds in name order and each in time order):
 * the same scopes, count and seed always give the same bytes.
 */
export function fixtureLines(scopes: { readonly [kind: string]: readonly string[] | undefined }, records: number, seed: number): string {
  const set = generateFixtures(scopes, { records, seed });
  const lines: string[] = [];
  for (const records of Object.values(set)) {
    for (const record of records ?? []) {
      const line = JSON.stringify(record);
      // The generator and the canonical schema must agree; a mismatch is the SDK's bug, not the user's.
      const check = validateRecord(line);
      if (!check.ok) throw new Error(`generated fixture is not a valid record (${check.reason}): ${line}`);
      lines.push(line);
    }
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

export const fixturesCommand: Command = {
  name: 'fixtures',
  brief: 'write synthetic personal data for the declared scopes',
  synopsis: '[dir]',
  summary:
    'Writes deterministic synthetic personal data for the record kinds lockbox.json declares, as a dataset file (canonical JSONL, the format users upload).',
  details: `The records span six weeks with a daily rhythm (more in the evening than at night), realistic
text, right-skewed engagement counts and native ids in each platform's shape. Watch history has a few
removed videos (no title); location points and visits circle an invented person's home, work and
errands at full precision, so grains such as latitude@1km have something to round. The same --seed
and --records always give the same file, so tests can check exact numbers. Use the file with
lockbox run --data <file>.`,
  options: {
    records: { type: 'string', value: 'n', description: `records per declared kind (default ${DEFAULT_FIXTURE_RECORDS}, at most ${MAX_FIXTURE_RECORDS})` },
    seed: { type: 'string', value: 's', description: `seed of the generator (default ${DEFAULT_FIXTURE_SEED})` },
    out: { type: 'string', short: 'o', value: 'path', description: `where to write (default <dir>/${DEFAULT_FIXTURES_FILE}; - for stdout)` },
  },
  minPositionals: 0,
  maxPositionals: 1,
  async run(args, io) {
    const project = await loadProject(io.cwd, args.positionals[0]);
    const records = integerOption(args, 'records', DEFAULT_FIXTURE_RECORDS, MAX_FIXTURE_RECORDS);
    const seed = integerOption(args, 'seed', DEFAULT_FIXTURE_SEED, 0xffffffff);
    const text = fixtureLines(project.manifest.scopes, records, seed);
    const out = stringOption(args, 'out') ?? resolve(project.dir, DEFAULT_FIXTURES_FILE);
    if (out === '-') {
      io.out(text);
      return 0;
    }
    const path = resolve(io.cwd, out);
    try {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, text);
    } catch (error) {
      throw new CliError(`cannot write ${path}: ${(error as Error).message}`);
    }
    const kinds = Object.keys(project.manifest.scopes).sort();
    io.err(`wrote ${records} records of each of ${kinds.join(', ')} (seed ${seed})\n`);
    io.out(`${relative(io.cwd, path) || path}\n`);
    return 0;
  },
};
