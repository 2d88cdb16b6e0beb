import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const BUILD = join(__dirname, 'build.mjs');

/** A scratch repository with `files`, built by the real build script into its own dist/. */
function scratchRepository(files: Record<string, string>): { root: string; build: () => void; write: (path: string, content: string) => void } {
  const root = mkdtempSync(join(tmpdir(), 'lockbox-build-'));
  const write = (path: string, content: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  };
  write('tsconfig.json', JSON.stringify({ compilerOptions: { paths: {} } }));
  for (const [path, content] of Object.entries(files)) write(path, content);
  return { root, write, build: () => execFileSync(process.execPath, [BUILD, root]) };
}

describe('scripts/build.mjs', () => {
  const roots: string[] = [];
  afterAll(() => {
    for (const root of roots) rmSync(root, { recursive: true, force: true });
  });

  it('removes the outputs of deleted sources, and only those', () => {
    const repository = scratchRepository({
      'libs/a/src/kept.ts': 'export const kept = 1;\n',
      'libs/a/src/gone.ts': 'export const gone = 2;\n',
      'libs/a/src/gate.cjs': 'module.exports = 3;\n',
      'libs/b/src/only.ts': 'export const only = 4;\n',
    });
    roots.push(repository.root);
    const dist = (path: string) => existsSync(join(repository.root, 'dist', path));
    repository.build();
    expect(['libs/a/src/kept.js', 'libs/a/src/gone.js', 'libs/a/src/gone.js.map', 'libs/a/src/gate.cjs', 'libs/b/src/only.js'].map(dist)).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    // Outside the source roots' outputs, dist/ is not the build's to clean.
    repository.write('dist/other/left-alone.js', '');

    rmSync(join(repository.root, 'libs/a/src/gone.ts'));
    rmSync(join(repository.root, 'libs/a/src/gate.cjs'));
    rmSync(join(repository.root, 'libs/b'), { recursive: true });
    repository.build();

    expect(dist('libs/a/src/gone.js')).toBe(false);
    expect(dist('libs/a/src/gone.js.map')).toBe(false);
    expect(dist('libs/a/src/gate.cjs')).toBe(false);
    expect(dist('libs/b')).toBe(false);
    expect(dist('libs/a/src/kept.js')).toBe(true);
    expect(dist('libs/a/src/kept.js.map')).toBe(true);
    expect(dist('other/left-alone.js')).toBe(true);
  });
});
