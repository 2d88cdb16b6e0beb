// Compiles the platform (apps/, libs/, analysis-sdk/src) to dist/ with SWC.
// SWC only transpiles; `npm run typecheck` is where types are checked.
// Path aliases from tsconfig.json are rewritten to relative imports.
// Outputs whose source is gone are removed, so a deleted .ts leaves no .js that a process could still load.
// The repository is the one this script is in; a test may name another root: `node scripts/build.mjs <root>`.
import { transformFile } from '@swc/core';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rm, rmdir, writeFile, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
const outDir = join(root, 'dist');
// test/support is shared by the suites and the soak (bench/soak.ts).
const sourceRoots = ['apps', 'libs', 'analysis-sdk/src', 'bench', 'test/support'];
// The console is a browser app: vite builds it (below), not SWC.
const webRoot = join(root, 'apps/web');
const webOutDir = join(outDir, 'apps/web');
const tsconfig = JSON.parse(await readFile(join(root, 'tsconfig.json'), 'utf8'));

async function* sourceFiles(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (path === webRoot) continue;
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') && !entry.name.endsWith('.d.ts')) yield path;
  }
}

async function isFresh(source, target) {
  try {
    return (await stat(target)).mtimeMs >= (await stat(source)).mtimeMs;
  } catch {
    return false;
  }
}

const swcOptions = {
  sourceMaps: true,
  module: { type: 'commonjs' },
  jsc: {
    target: 'es2022',
    baseUrl: root,
    paths: tsconfig.compilerOptions.paths,
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    keepClassNames: true,
  },
};

// Plain CommonJS files (.cjs) are copied as they are: each runs as a process of its own (the embedded
// S3's signature gate, libs/embedded/src/s3-server.cjs), from the sources under jest and from dist/ alike.
async function* plainScripts(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* plainScripts(path);
    else if (entry.name.endsWith('.cjs')) yield path;
  }
}

/** Removes every file under `dir` that is not an output of a current source, then the folders left empty. */
async function removeStale(dir, outputs) {
  let removed = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    // The console's bundle is vite's output (below), which replaces it whole on each build.
    if (path === webOutDir) continue;
    if (entry.isDirectory()) {
      removed += await removeStale(path, outputs);
      if ((await readdir(path)).length === 0) await rmdir(path);
    } else if (!outputs.has(path)) {
      await rm(path, { force: true });
      removed++;
    }
  }
  return removed;
}

let compiled = 0;
// Every file the current sources compile or copy to: anything else under a source root's dist/ is stale.
const outputs = new Set();
for (const sourceRoot of sourceRoots) {
  if (!existsSync(join(root, sourceRoot))) continue;
  for await (const file of plainScripts(join(root, sourceRoot))) {
    const target = join(outDir, relative(root, file));
    outputs.add(target);
    if (await isFresh(file, target)) continue;
    await mkdir(dirname(target), { recursive: true });
    await copyFile(file, target);
    compiled++;
  }
  for await (const file of sourceFiles(join(root, sourceRoot))) {
    const target = join(outDir, relative(root, file)).replace(/\.ts$/, '.js');
    outputs.add(target).add(`${target}.map`);
    if (await isFresh(file, target)) continue;
    const output = await transformFile(file, { ...swcOptions, filename: file, sourceFileName: relative(dirname(target), file) });
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, `${output.code}\n//# sourceMappingURL=${target.split('/').pop()}.map\n`);
    await writeFile(`${target}.map`, output.map);
    compiled++;
  }
}
let removed = 0;
for (const sourceRoot of sourceRoots) {
  if (existsSync(join(outDir, sourceRoot))) removed += await removeStale(join(outDir, sourceRoot), outputs);
}
if (process.env.LOCKBOX_BUILD_VERBOSE) console.log(`build: ${compiled} file(s) compiled to dist/, ${removed} stale file(s) removed`);

// The console (apps/web): a production vite build into dist/apps/web, which the API serves from `/`.
// Skipped when nothing under apps/web (nor the lockfile) is newer than the last build's index.html.
async function newestMtime(dir) {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.name === 'node_modules') continue;
    newest = Math.max(newest, entry.isDirectory() ? await newestMtime(path) : (await stat(path)).mtimeMs);
  }
  return newest;
}

const webIndex = join(webOutDir, 'index.html');
const webSourcesChanged = existsSync(webRoot) && Math.max(await newestMtime(webRoot), (await stat(join(root, 'package-lock.json'))).mtimeMs);
if (webSourcesChanged && (!existsSync(webIndex) || (await stat(webIndex)).mtimeMs < webSourcesChanged)) {
  // Always the production build: jest sets NODE_ENV=test for its global setup, which would otherwise
  // bundle React's development build (twice the size, and slower).
  process.env.NODE_ENV = 'production';
  const { build } = await import('vite');
  await build({ configFile: join(webRoot, 'vite.config.ts'), mode: 'production', logLevel: 'warn' });
  if (process.env.LOCKBOX_BUILD_VERBOSE) console.log('build: the console was built to dist/apps/web');
}
