// Image tarballs made the way developers make them without `docker save`: skopeo copying from the local
// engine (docker-archive and oci-archive), buildah building FROM scratch, and umoci creating, filling and
// repacking an OCI layout that is then tarred. All offline, from the local base lockbox/busybox:1; the
// tools are Debian's (scripts/prereqs.sh installs them). Every image carries the test session label, so
// the test stack's teardown removes the copies its worker loaded.
import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as tar from 'tar-stream';
import { TEST_SESSION_LABEL } from './global-setup';

const run = promisify(execFile);
const BASE_IMAGE = 'lockbox/busybox:1';

const INTEROP_TOOLS = ['skopeo', 'buildah', 'umoci'] as const;

/** The interop tools missing on this machine. */
export async function missingInteropTools(): Promise<string[]> {
  const missing: string[] = [];
  for (const tool of INTEROP_TOOLS) {
    await run(tool, ['--version']).catch(() => missing.push(tool));
  }
  return missing;
}

/** The `skopeo` transport that reads a tarball of each kind. */
export type TarballTransport = 'docker-archive' | 'oci-archive';

export interface ProducedTarball {
  path: string;
  transport: TarballTransport;
}

/** Labels that make each image distinct and let the test teardown find it. */
function imageLabels(): Record<string, string> {
  return { 'lockbox.test.build': randomUUID(), [TEST_SESSION_LABEL]: process.env.LOCKBOX_TEST_SESSION ?? 'none' };
}

/**
 * The image ID a tarball holds, as skopeo (containers/image, not Lockbox's code) reads it: the sha256 of
 * the config bytes it finds.
 */
export async function imageIdOf(tarball: ProducedTarball): Promise<string> {
  const { stdout } = await run('skopeo', ['inspect', '--config', '--raw', `${tarball.transport}:${tarball.path}`], {
    encoding: 'buffer',
    maxBuffer: 4 * 1024 * 1024,
  });
  return `sha256:${createHash('sha256').update(stdout).digest('hex')}`;
}

/** `skopeo copy` of an image in the local engine (by ID) into a tarball. */
export async function skopeoCopy(imageId: string, transport: TarballTransport, path: string): Promise<ProducedTarball> {
  await run('skopeo', ['copy', '--quiet', `docker-daemon:${imageId}`, `${transport}:${path}`]);
  return { path, transport };
}

/** The root filesystem of lockbox/busybox:1 (static busybox and its applet links) as an uncompressed tar. */
export async function baseRootfs(work: string): Promise<string> {
  const saved = join(work, 'base-save');
  await mkdir(saved, { recursive: true });
  await run('docker', ['save', '--output', join(saved, 'image.tar'), BASE_IMAGE]);
  await run('tar', ['-xf', join(saved, 'image.tar'), '-C', saved]);
  const [item] = JSON.parse(await readFile(join(saved, 'manifest.json'), 'utf8')) as { Layers: string[] }[];
  if (item?.Layers.length !== 1) throw new Error(`${BASE_IMAGE} was expected to have one layer`);
  return join(saved, item.Layers[0]!);
}

/** Writes `files` under `<dir>/app`, world-readable. */
async function writeApp(dir: string, files: Record<string, string>): Promise<string> {
  const app = join(dir, 'app');
  await mkdir(app, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    await writeFile(join(app, name), content);
    await chmod(join(app, name), 0o644);
  }
  return app;
}

/**
 * buildah FROM scratch: the base root filesystem added from its tar, `files` copied to /app, labels and
 * entrypoint set, committed as an OCI archive. Storage is private to the call (vfs driver, which needs no
 * overlay support), and removed afterwards.
 */
export async function buildahFromScratch(work: string, rootfs: string, files: Record<string, string>, path: string): Promise<ProducedTarball> {
  const dir = await mkdtemp(join(work, 'buildah-'));
  const storage = ['--root', join(dir, 'storage'), '--runroot', join(dir, 'run'), '--storage-driver', 'vfs'];
  try {
    const app = await writeApp(dir, files);
    const container = (await run('buildah', [...storage, 'from', '--quiet', 'scratch'])).stdout.trim();
    await run('buildah', [...storage, 'add', container, rootfs, '/']);
    await run('buildah', [...storage, 'copy', container, app, '/app']);
    const labels = Object.entries(imageLabels()).flatMap(([key, value]) => ['--label', `${key}=${value}`]);
    await run('buildah', [...storage, 'config', ...labels, '--entrypoint', '["/bin/sh","/app/main.sh"]', container]);
    await run('buildah', [...storage, 'commit', '--quiet', container, `oci-archive:${path}`]);
    return { path, transport: 'oci-archive' };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * umoci: a new OCI layout and image, unpacked to a bundle, its root filesystem filled with the base and
 * `files` under /app, repacked, configured and garbage-collected, then tarred with GNU tar as a developer
 * would (`tar -C layout -cf image.tar .`).
 */
export async function umociLayout(work: string, rootfs: string, files: Record<string, string>, path: string): Promise<ProducedTarball> {
  const dir = await mkdtemp(join(work, 'umoci-'));
  const layout = join(dir, 'layout');
  const image = `${layout}:analysis`;
  const bundle = join(dir, 'bundle');
  try {
    await run('umoci', ['init', '--layout', layout]);
    await run('umoci', ['new', '--image', image]);
    await run('umoci', ['unpack', '--image', image, bundle]);
    await run('tar', ['-xf', rootfs, '-C', join(bundle, 'rootfs')]);
    await writeApp(join(bundle, 'rootfs'), files);
    await run('umoci', ['repack', '--image', image, bundle]);
    const labels = Object.entries(imageLabels()).flatMap(([key, value]) => ['--config.label', `${key}=${value}`]);
    await run('umoci', ['config', '--image', image, ...labels, '--config.entrypoint', '/bin/sh', '--config.entrypoint', '/app/main.sh']);
    await run('umoci', ['gc', '--layout', layout]);
    await run('tar', ['-C', layout, '-cf', path, '.']);
    return { path, transport: 'oci-archive' };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// ---- rewriting tarballs into hostile variants ----------------------------------------------------------

export interface TarEntry {
  header: tar.Header;
  body: Buffer;
}

/** All entries of a (small, test-made) tarball, in order. */
export async function readTarEntries(path: string): Promise<TarEntry[]> {
  const extract = tar.extract();
  const bytes = await readFile(path);
  extract.end(bytes);
  const entries: TarEntry[] = [];
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry as AsyncIterable<Buffer>) chunks.push(chunk);
    entries.push({ header: entry.header, body: Buffer.concat(chunks) });
  }
  return entries;
}

/** A tarball of `entries`, each written with a fresh header (name, type, mode, link target) and its body. */
export async function packTarEntries(entries: TarEntry[], prefix: Buffer = Buffer.alloc(0)): Promise<Buffer> {
  const pack = tar.pack();
  const packed = (async () => {
    const chunks: Buffer[] = [prefix];
    for await (const chunk of pack as AsyncIterable<Buffer>) chunks.push(chunk);
    return Buffer.concat(chunks);
  })();
  for (const { header, body } of entries) {
    const fresh = { name: header.name, type: header.type, mode: header.mode, mtime: header.mtime, linkname: header.linkname ?? undefined };
    await new Promise<void>((resolve, reject) => {
      const done = (error?: Error | null) => (error ? reject(error) : resolve());
      if (header.type === 'file') pack.entry(fresh, body, done);
      else pack.entry(fresh, done);
    });
  }
  pack.finalize();
  return packed;
}

/**
 * A PAX global header (type `g`) with `records`, as raw tar blocks: tar-stream cannot write one. Go's
 * archive/tar (Docker's) hands it on as an entry of its own, which Docker ignores; tar-stream merges it
 * into the entries after it.
 */
export function paxGlobalHeader(records: Record<string, string>): Buffer {
  const data = Buffer.concat(
    Object.entries(records).map(([key, value]) => {
      const body = Buffer.byteLength(` ${key}=${value}\n`);
      let length = body + 1;
      while (String(length).length + body !== length) length = String(length).length + body;
      return Buffer.from(`${length} ${key}=${value}\n`);
    }),
  );
  const header = Buffer.alloc(512);
  header.write('pax_global_header', 0, 'latin1');
  header.write('0000644\0', 100, 'latin1');
  header.write('0000000\0', 108, 'latin1');
  header.write('0000000\0', 116, 'latin1');
  header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  header.write('00000000000\0', 136, 'latin1');
  header.write('g', 156, 'latin1');
  header.write('ustar\u000000', 257, 'latin1');
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return Buffer.concat([header, data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
}

export const sha256Hex = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
