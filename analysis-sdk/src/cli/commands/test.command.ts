// lockbox test: the analysis' own tests (src/**/*.test.ts), bundled with esbuild and run with node:test.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { CliError } from '../cli-error';
import type { Command } from '../command';
import { bundle } from '../image-build';
import { loadProject } from '../project';

async function findTests(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await findTests(path)));
    else if (entry.isFile() && /\.test\.ts$/.test(entry.name)) found.push(path);
  }
  return found.sort();
}

export const testCommand: Command = {
  name: 'test',
  brief: "run the analysis' own tests",
  synopsis: '[dir]',
  summary: "Runs the analysis' tests: every src/**/*.test.ts, bundled with esbuild (TypeScript, the SDK) and run with node --test.",
  options: {},
  minPositionals: 0,
  maxPositionals: 1,
  async run(args, io) {
    const project = await loadProject(io.cwd, args.positionals[0]);
    const tests = await findTests(join(project.dir, 'src')).catch(() => []);
    if (tests.length === 0) throw new CliError(`no tests found: name them src/**/*.test.ts`);
    const work = await mkdtemp(join(tmpdir(), 'lockbox-test-'));
    try {
      const bundles: string[] = [];
      for (const test of tests) {
        const out = join(work, `${relative(join(project.dir, 'src'), test).replace(/[\\/]/g, '__').replace(/\.ts$/, '.js')}`);
        await bundle(project.dir, test, out);
        bundles.push(out);
      }
      const code = await new Promise<number>((resolve, reject) => {
        const child = spawn(process.execPath, ['--test', ...bundles], { cwd: project.dir, env: { ...io.env }, stdio: ['ignore', 'inherit', 'inherit'] });
        child.on('error', reject);
        child.on('close', (exitCode) => resolve(exitCode ?? 1));
      });
      if (code !== 0) throw new CliError(`tests failed (${tests.map((test) => relative(project.dir, test)).join(', ')})`);
      return 0;
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  },
};
