// Building an analysis image offline: esbuild bundles src/main.ts with the SDK and every dependency
// into one main.js, which goes into a build context with the project's Dockerfile, on top of the
// locally built base image. Nothing is fetched during `docker build`.
import { copyFile, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type Message, type Plugin } from 'esbuild';
import { CliError } from './cli-error';
import { BASE_IMAGE_TAG, baseImagesOf, docker, imageId } from './docker-cli';
import type { AnalysisProject } from './project';

export const ENTRY_FILE = join('src', 'main.ts');
export const DOCKERFILE = 'Dockerfile';

export interface BuiltImage {
  /** `sha256:…`: what a run and a submission refer to. */
  imageId: string;
  /** `lockbox-local/<name>:<version>`, for `docker images`. */
  tag: string;
  bundleBytes: number;
}

const SDK_IMPORT = /^@lockbox\/analysis-sdk(\/.*)?$/;
const RESOLVING = Symbol('resolving');

/**
 * The project's own `@lockbox/analysis-sdk` when it has one installed; otherwise the copy this CLI
 * belongs to, so a project scaffolded anywhere builds before its first `npm install`.
 */
function sdkFallback(): Plugin {
  return {
    name: 'lockbox-sdk-fallback',
    setup(builder) {
      builder.onResolve({ filter: SDK_IMPORT }, async (args) => {
        if (args.pluginData === RESOLVING) return undefined;
        const own = await builder.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: RESOLVING });
        if (own.errors.length === 0) return own;
        return { path: require.resolve(args.path) };
      });
    },
  };
}

function formatMessages(messages: readonly Message[]): string {
  return messages
    .slice(0, 10)
    .map((message) => {
      const where = message.location ? `${message.location.file}:${message.location.line}:${message.location.column}: ` : '';
      return `  ${where}${message.text}`;
    })
    .join('\n');
}

/** Bundles `entry` of the project in `projectDir` into `outfile` (Node 20, CommonJS, one file with every dependency). */
export async function bundle(projectDir: string, entry: string, outfile: string): Promise<number> {
  await stat(entry).catch(() => {
    throw new CliError(`${entry} not found`);
  });
  try {
    await build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      legalComments: 'none',
      logLevel: 'silent',
      absWorkingDir: projectDir,
      plugins: [sdkFallback()],
    });
  } catch (error) {
    const errors = (error as { errors?: Message[] }).errors;
    if (errors?.length) throw new CliError(`bundling ${entry} failed:\n${formatMessages(errors)}`);
    throw error;
  }
  return (await stat(outfile)).size;
}

/** Bundles the analysis and builds its image with the classic builder (no BuildKit, nothing pulled). */
export async function buildAnalysisImage(
  project: AnalysisProject,
  env: Readonly<Record<string, string | undefined>>,
  log: (line: string) => void,
): Promise<BuiltImage> {
  const dockerfile = join(project.dir, DOCKERFILE);
  const dockerfileText = await readFile(dockerfile, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw new CliError(`${dockerfile} not found (lockbox init writes one: FROM ${BASE_IMAGE_TAG}, COPY main.js /app/main.js)`);
    throw new CliError(`cannot read ${dockerfile}: ${error.message}`);
  });
  // The base is built locally (nothing is pulled), so a missing one is named with the command that builds it.
  for (const base of baseImagesOf(dockerfileText)) {
    if (!(await imageId(base, { ...env }))) {
      const major = base.split(':')[1];
      throw new CliError(
        `the base image ${base} is missing from the local Docker Engine: build it with lockbox base build${major === '24' ? '' : ` --node ${major}`}`,
      );
    }
  }
  const context = await mkdtemp(join(tmpdir(), 'lockbox-build-'));
  try {
    log(`bundling ${ENTRY_FILE} with esbuild`);
    const bundleBytes = await bundle(project.dir, join(project.dir, ENTRY_FILE), join(context, 'main.js'));
    await copyFile(dockerfile, join(context, DOCKERFILE));
    const tag = `lockbox-local/${project.manifest.name}:${project.manifest.version}`;
    log(`building ${tag} (bundle ${formatBytes(bundleBytes)})`);
    const iidFile = join(context, 'image-id');
    await docker(['build', '--quiet', '--iidfile', iidFile, '--tag', tag, context], { env: { ...env, DOCKER_BUILDKIT: '0' } });
    const id = (await imageId(tag, { ...env })) ?? '';
    if (!/^sha256:[a-f0-9]{64}$/.test(id)) throw new CliError(`docker build gave no image ID for ${tag}`);
    return { imageId: id, tag, bundleBytes };
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value >= 10 ? 0 : 1)} ${units[unit]}`;
}
