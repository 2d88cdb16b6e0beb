import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Manifest } from '@lockbox/analysis-sdk';
import { defaultParams, SMOKE_RUN_RECORDS, smokeRunSeed, stageFixtures } from './smoke-run';

const manifest: Manifest = {
  name: 'writing-patterns',
  version: '1.0.0',
  title: 'Writing patterns',
  description: 'Diction',
  category: 'writing',
  price: 0,
  entrypoint: ['node', '/app/main.js'],
  scopes: { 'social.posts': ['text', 'timestamp'] },
  params: { type: 'object', properties: { topN: { type: 'integer', default: 20 }, label: { type: 'string' } } },
  resources: { memory: '256m', cpu: 0.5, timeout: 60, output: '16m' },
};

describe('stageFixtures', () => {
  let work: string;
  beforeEach(() => (work = mkdtempSync(join(tmpdir(), 'smoke-run-'))));
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  it('stages run.json and synthetic records with only the declared fields, readable by the container user', async () => {
    const { inputDir, records } = await stageFixtures(join(work, 'attempt'), 'check-v1', manifest, 7);
    expect(records).toEqual({ 'social.posts': SMOKE_RUN_RECORDS });
    const lines = readFileSync(join(inputDir, 'data', 'social.posts.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(SMOKE_RUN_RECORDS);
    for (const line of lines) expect(Object.keys(line).sort()).toEqual(['kind', 'text', 'timestamp']);
    expect(JSON.parse(readFileSync(join(inputDir, 'run.json'), 'utf8'))).toEqual({
      runId: 'check-v1',
      analysis: 'writing-patterns',
      version: '1.0.0',
      params: { topN: 20 },
      scopes: manifest.scopes,
    });
    expect(statSync(join(inputDir, 'data', 'social.posts.jsonl')).mode & 0o777).toBe(0o644);
    expect(statSync(join(inputDir, 'data')).mode & 0o777).toBe(0o755);
  });

  it('keeps the input readable by the container user under the launcher’s umask (077)', async () => {
    const previous = process.umask(0o077);
    try {
      const { inputDir } = await stageFixtures(join(work, 'private'), 'run', manifest, 7);
      for (const path of ['run.json', 'data/social.posts.jsonl'])
        expect({ path, mode: statSync(join(inputDir, path)).mode & 0o777 }).toEqual({ path, mode: 0o644 });
    } finally {
      process.umask(previous);
    }
  });

  it('stages the data the same seed gives, and another seed other data', async () => {
    const staged = async (name: string, seed: number) =>
      readFileSync(join((await stageFixtures(join(work, name), 'run', manifest, seed)).inputDir, 'data', 'social.posts.jsonl'), 'utf8');
    expect(await staged('a', 7)).toBe(await staged('b', 7));
    expect(await staged('c', 8)).not.toBe(await staged('d', 7));
    expect(Number.isInteger(smokeRunSeed())).toBe(true);
  });

  it('takes params from the schema defaults only', () => {
    expect(defaultParams(manifest)).toEqual({ topN: 20 });
    expect(defaultParams({ ...manifest, params: { type: 'object' } })).toEqual({});
  });
});
