import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProgressReporter } from './progress';
import { ResultBuilder } from './result-builder';
import { runAnalysis, type AnalysisMain } from './run-analysis';

describe('runAnalysis', () => {
  let root: string;
  let dirs: { inputDir: string; outputDir: string };
  let stderr: string[];
  let exit: jest.Mock;

  const run = (main: AnalysisMain) =>
    runAnalysis(main, {
      dirs,
      exit,
      writeError: (text) => stderr.push(text),
      progress: new ProgressReporter({ write: (line) => stderr.push(line), minIntervalMs: 0 }),
    });

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'lockbox-run-analysis-'));
    dirs = { inputDir: join(root, 'input'), outputDir: join(root, 'output') };
    mkdirSync(join(dirs.inputDir, 'data'), { recursive: true });
    mkdirSync(dirs.outputDir);
    writeFileSync(
      join(dirs.inputDir, 'run.json'),
      JSON.stringify({ runId: 'r1', analysis: 'count', version: '1.0.0', params: { minLikes: 1 }, scopes: { 'social.posts': ['likes'] } }),
    );
    writeFileSync(join(dirs.inputDir, 'data', 'social.posts.jsonl'), '{"kind":"social.posts","likes":2}\n{"kind":"social.posts","likes":0}\n');
    stderr = [];
    exit = jest.fn();
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('reads the input, runs the analysis and writes a validated result.json', async () => {
    const path = await run(async (ctx) => {
      const { minLikes } = ctx.params<{ minLikes: number }>({ type: 'object', properties: { minLikes: { type: 'integer' } } });
      let count = 0;
      for await (const post of ctx.records('social.posts')) if ((post.likes ?? 0) >= minLikes) count++;
      ctx.progress(0.5, 'Counted');
      return new ResultBuilder().summary(`${count} liked post(s) in run ${ctx.input.runId}`).metric('Liked posts', count);
    });
    expect(path).toBe(join(dirs.outputDir, 'result.json'));
    expect(JSON.parse(readFileSync(path!, 'utf8'))).toEqual({
      schemaVersion: 1,
      summary: '1 liked post(s) in run r1',
      blocks: [{ type: 'metric', label: 'Liked posts', value: 1 }],
    });
    expect(stderr).toEqual(['{"progress":0.5,"message":"Counted"}\n', '{"progress":1,"message":"Result written"}\n']);
    expect(exit).not.toHaveBeenCalled();
  });

  it('accepts a plain result document', async () => {
    await run(async () => ({ schemaVersion: 1, summary: 'plain', blocks: [] }));
    expect(JSON.parse(readFileSync(join(dirs.outputDir, 'result.json'), 'utf8'))).toEqual({ schemaVersion: 1, summary: 'plain', blocks: [] });
  });

  it('exits 1 with the list of problems, and writes nothing, when the result is invalid', async () => {
    await run(async () => new ResultBuilder().markdown('<b>hi</b>'));
    expect(exit).toHaveBeenCalledWith(1);
    expect(stderr.join('')).toMatch(/^Analysis failed: Invalid result document:\n {2}- summary is required\n {2}- blocks\[0\]\.text is rejected/);
    expect(existsSync(join(dirs.outputDir, 'result.json'))).toBe(false);
  });

  it('exits 1 naming the bad parameter', async () => {
    await run(async (ctx) => {
      ctx.params({ type: 'object', properties: { minLikes: { type: 'string' } } });
      return new ResultBuilder().summary('unreachable');
    });
    expect(exit).toHaveBeenCalledWith(1);
    expect(stderr.join('')).toBe('Analysis failed: Invalid run parameters:\n  - params.minLikes must be a string\n');
  });

  it('exits 1 with the stack of an unexpected error', async () => {
    await run(async () => {
      throw new Error('boom');
    });
    expect(exit).toHaveBeenCalledWith(1);
    expect(stderr.join('')).toMatch(/^Analysis failed: Error: boom\n {4}at /);
  });

  it('exits 1 when run.json is missing', async () => {
    rmSync(join(dirs.inputDir, 'run.json'));
    await run(async () => new ResultBuilder().summary('unreachable'));
    expect(exit).toHaveBeenCalledWith(1);
    expect(stderr.join('')).toMatch(/run\.json not found/);
  });
});
