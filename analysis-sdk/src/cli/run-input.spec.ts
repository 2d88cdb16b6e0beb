import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtureLines } from './commands/fixtures.command';
import { datasetFiles, stageRunInput } from './run-input';

/** Valid social.posts records (every field set), as lockbox fixtures writes them. */
const [first, second] = fixtureLines({ 'social.posts': ['timestamp'] }, 2, 1)
  .trim()
  .split('\n') as [string, string];
const post = (which: 'a' | 'b') => (which === 'a' ? first : second);
const projected = (line: string) => {
  const { timestamp, likes } = JSON.parse(line) as { timestamp: string; likes: number };
  return { kind: 'social.posts', timestamp, likes };
};

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lockbox-run-input-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('datasetFiles', () => {
  it('takes a dataset file as it is', async () => {
    await writeFile(join(dir, 'data.jsonl'), `${post('a')}\n`);
    expect(await datasetFiles(join(dir, 'data.jsonl'))).toEqual([join(dir, 'data.jsonl')]);
  });

  it('takes the .jsonl files of a directory, in name order, and nothing else in it', async () => {
    const fixtures = join(dir, 'fixtures');
    await mkdir(join(fixtures, 'nested.jsonl'), { recursive: true });
    await writeFile(join(fixtures, 'social.posts.jsonl'), `${post('b')}\n`);
    await writeFile(join(fixtures, 'data.jsonl'), `${post('a')}\n`);
    await writeFile(join(fixtures, 'notes.txt'), 'not a dataset');
    await symlink(join(fixtures, 'data.jsonl'), join(fixtures, 'linked.jsonl'));
    expect(await datasetFiles(fixtures)).toEqual(['data.jsonl', 'linked.jsonl', 'social.posts.jsonl'].map((name) => join(fixtures, name)));
  });

  it('says what --data expects for a directory without .jsonl files, a missing path and a device', async () => {
    await writeFile(join(dir, 'data.csv'), 'a,b\n');
    await expect(datasetFiles(dir)).rejects.toThrow(`--data ${dir} is a directory without .jsonl files: --data takes a dataset file in canonical JSONL`);
    await expect(datasetFiles(join(dir, 'missing.jsonl'))).rejects.toThrow(
      `--data ${join(dir, 'missing.jsonl')} not found: it must be a dataset file in canonical JSONL`,
    );
    await expect(datasetFiles('/dev/null')).rejects.toThrow('--data /dev/null is neither a file nor a directory');
  });
});

describe('stageRunInput', () => {
  it('stages the consented fields of every file of a directory, naming the file of each bad line', async () => {
    await writeFile(join(dir, 'a.jsonl'), `${post('a')}\nnot json\n`);
    await writeFile(join(dir, 'b.jsonl'), `${post('b')}\n{"kind":"nope"}\n`);
    const work = join(dir, 'work');
    const staged = await stageRunInput(
      work,
      { runId: 'r', analysis: 'x', version: '1.0.0', params: {}, scopes: { 'social.posts': ['timestamp', 'likes'] } },
      await datasetFiles(dir),
    );
    expect(staged.records).toEqual({ 'social.posts': 2 });
    expect(staged.skippedLines).toBe(2);
    expect(staged.lineErrors).toEqual(['a.jsonl line 2: line is not valid JSON', expect.stringMatching(/^b\.jsonl line 2: unknown kind 'nope'/)]);
    const lines = (await readFile(join(work, 'input/data/social.posts.jsonl'), 'utf8')).trim().split('\n');
    expect(lines.map((line) => JSON.parse(line))).toEqual([projected(first), projected(second)]);
  });

  it('numbers bad lines alone when there is one file, as before', async () => {
    await writeFile(join(dir, 'data.jsonl'), `${post('a')}\n[]\n`);
    const staged = await stageRunInput(join(dir, 'work'), { runId: 'r', analysis: 'x', version: '1.0.0', params: {}, scopes: { 'social.posts': ['likes'] } }, [
      join(dir, 'data.jsonl'),
    ]);
    expect(staged.lineErrors).toEqual(['line 2: line is not a JSON object']);
  });
});
