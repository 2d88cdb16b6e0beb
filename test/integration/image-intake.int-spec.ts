// Image intake against the real Docker Engine: real `docker save` output inspects as the engine sees it
// (same image ID), a sanitized load brings the image back by ID only, and no tarball can create or move a
// tag, not even one naming the platform's base image.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';
import { DEFAULT_PLATFORM_LIMITS } from '@lockbox/analysis-sdk';
import { dockerClientFor, ImageLoader, ImageLoadError, inspectImageTarball } from '@lockbox/sandbox';

// jest ignores `testTimeout` inside a project of a multi-project config (jest-circus reads only the global one).
jest.setTimeout(120_000);

const docker = dockerClientFor(process.env.DOCKER_HOST);
const loader = new ImageLoader(docker);
const suffix = `${process.pid}-${Date.now().toString(36)}`;
const BASE_IMAGE = 'lockbox/busybox:1';
/** Tags this suite must never move or remove. */
const PROTECTED_TAGS = ['lockbox/node-base:24', 'lockbox/busybox:1'];

let workDir: string;
const protectedIds = new Map<string, string>();
/** Image IDs this suite created; only these are ever removed. */
const createdIds = new Set<string>();
const createdTags = new Set<string>();

// ---- helpers -------------------------------------------------------------------------------------------

interface TarEntry {
  header: tar.Header;
  body: Buffer;
}

async function packTar(entries: { name: string; body: Buffer; type?: tar.Header['type']; linkname?: string; mtime?: Date }[]): Promise<Buffer> {
  const pack = tar.pack();
  // Read while packing: an entry's callback waits until the pack has been read past it.
  const packed = (async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of pack as AsyncIterable<Buffer>) chunks.push(chunk);
    return Buffer.concat(chunks);
  })();
  for (const { name, body, type, linkname, mtime } of entries) {
    await new Promise<void>((resolve, reject) =>
      pack.entry({ name, type: type ?? 'file', linkname, mtime }, body, (error) => (error ? reject(error) : resolve())),
    );
  }
  pack.finalize();
  return packed;
}

/** All entries of a (small, test-made) tarball in memory, in order. */
async function readTar(path: string): Promise<TarEntry[]> {
  const extract = tar.extract();
  createReadStream(path).pipe(extract as unknown as NodeJS.WritableStream);
  const entries: TarEntry[] = [];
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry as AsyncIterable<Buffer>) chunks.push(chunk);
    entries.push({ header: entry.header, body: Buffer.concat(chunks) });
  }
  return entries;
}

async function followProgress(stream: NodeJS.ReadableStream): Promise<void> {
  const output: { error?: string; errorDetail?: { message?: string } }[] = await new Promise((resolve, reject) =>
    docker.modem.followProgress(stream, (error: Error | null, result: any[]) => (error ? reject(error) : resolve(result))),
  );
  const failure = output.find((line) => line.error || line.errorDetail);
  if (failure) throw new Error(failure.errorDetail?.message ?? failure.error);
}

/** Builds an image FROM lockbox/busybox:1 with the legacy builder, uncached so its ID is new; returns the ID. */
async function buildImage(name: string, dockerfile: string, files: Record<string, string> = {}): Promise<string> {
  // Fixed mtimes: identical COPYs then give identical layers.
  const mtime = new Date('2020-01-01T00:00:00Z');
  const context = await packTar([
    { name: 'Dockerfile', body: Buffer.from(dockerfile), mtime },
    ...Object.entries(files).map(([file, content]) => ({ name: file, body: Buffer.from(content), mtime })),
  ]);
  const tag = `lockbox-test/intake-${name}-${suffix}:1`;
  createdTags.add(tag);
  await followProgress(await docker.buildImage(Readable.from([context]), { t: tag, rm: true, forcerm: true, nocache: true }));
  const { Id } = await docker.getImage(tag).inspect();
  createdIds.add(Id);
  return Id;
}

async function saveImage(reference: string, file: string): Promise<string> {
  const path = join(workDir, file);
  await pipeline(await docker.getImage(reference).get(), createWriteStream(path));
  return path;
}

/** Removes an image this suite built, by ID, with all its tags. */
async function removeOwnImage(id: string): Promise<void> {
  if (!createdIds.has(id) || [...protectedIds.values()].includes(id)) throw new Error(`refusing to remove ${id}: not an image this suite built`);
  await docker
    .getImage(id)
    .remove({ force: true })
    .catch((error: { statusCode?: number }) => {
      if (error.statusCode !== 404) throw error;
    });
}

async function imageIdOf(reference: string): Promise<string | undefined> {
  try {
    return (await docker.getImage(reference).inspect()).Id;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return undefined;
    throw error;
  }
}

/** A copy of a docker-save tarball with manifest.json's RepoTags replaced; `repositories` names them too. */
async function withRepoTags(savedPath: string, repoTags: string[], file: string): Promise<string> {
  const entries = await readTar(savedPath);
  const rewritten = entries.map(({ header, body }) => {
    if (header.name === 'manifest.json') {
      const [item] = JSON.parse(body.toString());
      return { ...header, body: Buffer.from(JSON.stringify([{ ...item, RepoTags: repoTags }])) };
    }
    if (header.name === 'repositories') {
      const [repo, tag] = repoTags[0]!.split(':');
      return { ...header, body: Buffer.from(JSON.stringify({ [repo!]: { [tag!]: 'ignored' } })) };
    }
    return { ...header, body };
  });
  const path = join(workDir, file);
  await writeFile(path, await packTar(rewritten));
  return path;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * The same image as an OCI image layout (index.json → manifest → config + gzip layers), built from a
 * docker-save tarball. With `keepLegacy`, manifest.json stays too (what newer engines' docker save writes).
 */
async function toOciLayout(savedPath: string, file: string, keepLegacy = false): Promise<string> {
  const entries = await readTar(savedPath);
  const byName = new Map(entries.map((entry) => [entry.header.name, entry]));
  const resolve = (name: string): Buffer => {
    const entry = byName.get(name)!;
    return entry.header.type === 'symlink' ? resolve(join(name, '..', entry.header.linkname)) : entry.body;
  };
  const [item] = JSON.parse(byName.get('manifest.json')!.body.toString()) as { Config: string; Layers: string[] }[];
  const config = byName.get(item!.Config)!.body;
  const layers = item!.Layers.map((layer) => gzipSync(resolve(layer)));
  const descriptor = (mediaType: string, bytes: Buffer, extra = {}) => ({ mediaType, digest: `sha256:${sha256(bytes)}`, size: bytes.length, ...extra });
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: descriptor('application/vnd.oci.image.config.v1+json', config),
      layers: layers.map((layer) => descriptor('application/vnd.oci.image.layer.v1.tar+gzip', layer)),
    }),
  );
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      descriptor('application/vnd.oci.image.manifest.v1+json', manifest, { annotations: { 'org.opencontainers.image.ref.name': 'lockbox/node-base:24' } }),
    ],
  };
  const blobs = [...layers, config, manifest];
  const legacy = keepLegacy
    ? [
        {
          name: 'manifest.json',
          body: Buffer.from(
            JSON.stringify([
              { Config: `blobs/sha256/${sha256(config)}`, RepoTags: ['lockbox/node-base:24'], Layers: layers.map((l) => `blobs/sha256/${sha256(l)}`) },
            ]),
          ),
        },
      ]
    : [];
  const path = join(workDir, file);
  await writeFile(
    path,
    await packTar([
      { name: 'blobs/', type: 'directory', body: Buffer.alloc(0) },
      { name: 'blobs/sha256/', type: 'directory', body: Buffer.alloc(0) },
      ...blobs.map((blob) => ({ name: `blobs/sha256/${sha256(blob)}`, body: blob })),
      { name: 'oci-layout', body: Buffer.from('{"imageLayoutVersion":"1.0.0"}') },
      { name: 'index.json', body: Buffer.from(JSON.stringify(index)) },
      ...legacy,
    ]),
  );
  return path;
}

const inspectFile = (path: string) => inspectImageTarball(createReadStream(path), DEFAULT_PLATFORM_LIMITS);

// ---- suite ---------------------------------------------------------------------------------------------

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'lockbox-image-intake-'));
  for (const tag of PROTECTED_TAGS) {
    const id = await imageIdOf(tag);
    if (!id) throw new Error(`${tag} is missing: run npm run prereqs`);
    protectedIds.set(tag, id);
  }
});

afterAll(async () => {
  for (const id of createdIds) await removeOwnImage(id).catch(() => undefined);
  for (const tag of createdTags)
    await docker
      .getImage(tag)
      .remove()
      .catch(() => undefined);
  // Should a failed assertion have left a base tag moved, put it back so other suites are unaffected.
  for (const [tag, id] of protectedIds) {
    if ((await imageIdOf(tag)) !== id) {
      const [repo, version] = tag.split(':');
      await docker.getImage(id).tag({ repo: repo!, tag: version! });
    }
  }
  await rm(workDir, { recursive: true, force: true });
});

describe('image intake with the real engine', () => {
  let imageId: string;
  let savedPath: string;

  beforeAll(async () => {
    imageId = await buildImage(
      'small',
      [
        'FROM lockbox/busybox:1',
        'COPY main.sh /app/main.sh',
        'RUN chmod 755 /app/main.sh && mkdir -p /app/data',
        'ENV GREETING=hello',
        'WORKDIR /app',
        '',
      ].join('\n'),
      { 'main.sh': '#!/bin/sh\necho "$GREETING"\n' },
    );
    savedPath = await saveImage(imageId, 'small.tar');
  });

  it('inspects a docker save as ok, with the image ID and layers the engine reports', async () => {
    const engine = await docker.getImage(imageId).inspect();

    const inspection = await inspectFile(savedPath);

    expect(inspection.violations).toEqual([]);
    expect(inspection).toMatchObject({ ok: true, layout: 'docker-save', imageId: engine.Id, architecture: 'amd64', os: 'linux' });
    expect(inspection.config?.diffIds).toEqual(engine.RootFS.Layers);
    expect(inspection.layers).toBe(engine.RootFS.Layers!.length);
    expect(inspection.notes.join('\n')).toMatch(/WORKDIR \/app is ignored/);
  });

  it('loads the sanitized tarball back by ID after the image was removed, without recreating its tag', async () => {
    const tag = [...createdTags].find((name) => name.includes('-small-'))!;
    await removeOwnImage(imageId);
    expect(await loader.has(imageId)).toBe(false);

    await loader.load(createReadStream(savedPath), imageId);

    expect(await loader.has(imageId)).toBe(true);
    expect((await docker.getImage(imageId).inspect()).RepoTags).toEqual([]);
    expect(await imageIdOf(tag)).toBeUndefined();
  });

  it('never moves a tag the tarball names, not even lockbox/node-base:24', async () => {
    const victim = `lockbox-test/intake-victim-${suffix}:1`;
    createdTags.add(victim);
    await docker.getImage(protectedIds.get(BASE_IMAGE)!).tag({ repo: victim.split(':')[0]!, tag: '1' });
    const hostile = await withRepoTags(savedPath, ['lockbox/node-base:24', victim], 'hostile-tags.tar');
    await removeOwnImage(imageId);

    expect((await inspectFile(hostile)).ok).toBe(true);
    await loader.load(createReadStream(hostile), imageId);

    expect(await imageIdOf('lockbox/node-base:24')).toBe(protectedIds.get('lockbox/node-base:24'));
    expect(await imageIdOf(victim)).toBe(protectedIds.get(BASE_IMAGE));
    expect((await docker.getImage(imageId).inspect()).RepoTags).toEqual([]);

    // Control: the same tarball without the sanitizer does move a tag (shown on the throwaway one only).
    const unsanitized = await withRepoTags(savedPath, [victim], 'victim-only.tar');
    await followProgress(await docker.loadImage(createReadStream(unsanitized), { quiet: true }));
    expect(await imageIdOf(victim)).toBe(imageId);
  });

  it('refuses to report success when the tarball does not hold the expected image', async () => {
    const otherId = `sha256:${'0'.repeat(64)}`;

    await expect(loader.load(createReadStream(savedPath), otherId)).rejects.toThrow(ImageLoadError);
    await expect(loader.load(createReadStream(savedPath), otherId)).rejects.toThrow(/different image/);
    await expect(loader.load(createReadStream(savedPath), 'lockbox/node-base:24')).rejects.toThrow(/image ID/);
  });

  it('fails the load on an engine error (a layer that does not match the config)', async () => {
    const entries = await readTar(savedPath);
    const [item] = JSON.parse(entries.find((entry) => entry.header.name === 'manifest.json')!.body.toString());
    // An empty but valid tar in place of the image's own last layer. (Not the first: the engine skips
    // reading a layer it already has, such as the base image's.)
    const lastLayer = item.Layers[item.Layers.length - 1];
    const broken = entries.map(({ header, body }) => ({ ...header, body: header.name === lastLayer ? Buffer.alloc(1024) : body }));
    const path = join(workDir, 'broken.tar');
    await writeFile(path, await packTar(broken));
    await removeOwnImage(imageId);

    await expect(loader.load(createReadStream(path), imageId)).rejects.toThrow(ImageLoadError);
    expect(await loader.has(imageId)).toBe(false);
    expect((await inspectFile(path)).violations.map((violation) => violation.rule)).toEqual(['digest_mismatch']);
  });

  it('inspects an OCI image layout made from the same image as ok, and loads it by ID', async () => {
    const ociPath = await toOciLayout(savedPath, 'oci.tar');
    await removeOwnImage(imageId);

    const inspection = await inspectFile(ociPath);
    // Docker 20.10 cannot load index.json alone; the sanitizer adds the docker-save manifest.json it needs.
    await loader.load(createReadStream(ociPath), imageId);

    expect(inspection.violations).toEqual([]);
    expect(inspection).toMatchObject({ ok: true, layout: 'oci-layout', imageId });
    expect(inspection.compressedBytes).toBeLessThan(inspection.decompressedBytes);
    expect((await docker.getImage(imageId).inspect()).RepoTags).toEqual([]);
    expect(await imageIdOf('lockbox/node-base:24')).toBe(protectedIds.get('lockbox/node-base:24'));
  });

  it('loads a tarball with both layouts (as newer engines save) by ID, without tags', async () => {
    const hybridPath = await toOciLayout(savedPath, 'hybrid.tar', true);
    await removeOwnImage(imageId);

    const inspection = await inspectFile(hybridPath);
    await loader.load(createReadStream(hybridPath), imageId);

    expect(inspection).toMatchObject({ ok: true, layout: 'oci-layout', imageId });
    expect(inspection.notes.join('\n')).toMatch(/both manifest.json and an OCI index.json/);
    expect(await imageIdOf('lockbox/node-base:24')).toBe(protectedIds.get('lockbox/node-base:24'));
    expect((await docker.getImage(imageId).inspect()).RepoTags).toEqual([]);
  });

  it('inspects and loads a save with two identical layers (docker writes the second as a symlink)', async () => {
    const dupId = await buildImage('dup', ['FROM lockbox/busybox:1', 'COPY same.txt /same.txt', 'COPY same.txt /same.txt', ''].join('\n'), {
      'same.txt': 'same\n',
    });
    const dupPath = await saveImage(dupId, 'dup.tar');
    const symlinks = (await readTar(dupPath)).filter((entry) => entry.header.type === 'symlink');
    await removeOwnImage(dupId);

    const inspection = await inspectFile(dupPath);
    await loader.load(createReadStream(dupPath), dupId);

    expect(symlinks.map((entry) => entry.header.name)).toEqual([expect.stringMatching(/^[a-f0-9]{64}\/layer\.tar$/)]);
    expect(inspection.violations).toEqual([]);
    expect(inspection).toMatchObject({ ok: true, imageId: dupId });
    expect(await loader.has(dupId)).toBe(true);
  });

  it('removes a loaded image by ID, but never a tagged one such as a base image', async () => {
    expect(await loader.remove(imageId)).toBe('removed');
    expect(await loader.has(imageId)).toBe(false);
    expect(await loader.remove(imageId)).toBe('absent');

    expect(await loader.remove(protectedIds.get(BASE_IMAGE)!)).toBe('tagged');
    expect(await imageIdOf(BASE_IMAGE)).toBe(protectedIds.get(BASE_IMAGE));
  });
});
