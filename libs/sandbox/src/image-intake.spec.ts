import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import * as tar from 'tar-stream';
import { DEFAULT_PLATFORM_LIMITS, definePlatformLimits, type PlatformLimits } from '@lockbox/analysis-sdk';
import { type ImageInspection, inspectImageTarball } from './image-intake';
import { IntakeFindings, IntakeLimitError } from './image-intake-rules';
import { inspectLayer } from './image-layer-inspection';
import { sanitizeImageTarball } from './image-sanitizer';
import { Budget, walkTar } from './tar-archive';

const MiB = 1024 * 1024;
const SMALL_LIMITS = definePlatformLimits({ imageTarballMaxBytes: 4 * MiB, imageDecompressedMaxBytes: 4 * MiB });

// ---- building tarballs in the test -------------------------------------------------------------------

interface Entry {
  name: string;
  type?: tar.Header['type'];
  linkname?: string;
  mode?: number;
  body?: Buffer;
  /** A body produced while packing, for entries too large to hold (it must yield exactly `size` bytes). */
  stream?: { size: number; chunks: () => AsyncIterable<Buffer> };
  devmajor?: number;
  devminor?: number;
}

function packTar(entries: Entry[]): Readable {
  const pack = tar.pack();
  (async () => {
    for (const entry of entries) {
      const header = { name: entry.name, type: entry.type ?? 'file', linkname: entry.linkname, mode: entry.mode, devmajor: entry.devmajor, devminor: entry.devminor };
      if (entry.stream) {
        let sink!: ReturnType<tar.Pack['entry']>;
        const done = new Promise<void>((resolve, reject) => {
          sink = pack.entry({ ...header, size: entry.stream!.size }, (error) => (error ? reject(error) : resolve()));
        });
        for await (const chunk of entry.stream.chunks()) if (!sink.write(chunk)) await once(sink, 'drain');
        sink.end(null);
        await done;
      } else {
        await new Promise<void>((resolve, reject) => pack.entry(header, entry.body ?? Buffer.alloc(0), (error) => (error ? reject(error) : resolve())));
      }
    }
    pack.finalize();
  })().catch((error: Error) => pack.destroy(error));
  return Readable.from(pack as AsyncIterable<Buffer>, { objectMode: false });
}

async function collect(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

const tarOf = (entries: Entry[]) => collect(packTar(entries));
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const file = (name: string, text = 'data', mode?: number): Entry => ({ name, body: Buffer.from(text), mode });

interface ImageOptions {
  /** Uncompressed layer tars. */
  layers?: Buffer[];
  gzipLayers?: boolean;
  /** Changes to the image config before it is serialized. */
  config?: (config: Record<string, any>) => void;
  repoTags?: string[];
}

function imageConfig(layers: Buffer[], change?: (config: Record<string, any>) => void): Buffer {
  const config: Record<string, any> = {
    architecture: 'amd64',
    os: 'linux',
    config: { Entrypoint: ['/bin/analysis'], Env: ['PATH=/bin'] },
    rootfs: { type: 'layers', diff_ids: layers.map((layer) => `sha256:${sha256(layer)}`) },
  };
  change?.(config);
  return Buffer.from(JSON.stringify(config));
}

async function defaultLayers(): Promise<Buffer[]> {
  return [await tarOf([{ name: 'bin/', type: 'directory' }, file('bin/analysis', '#!/bin/sh\necho hi\n', 0o755)]), await tarOf([file('app/data.json', '{}')])];
}

/** The entries of a docker-save (legacy) tarball, as docker 20.10 writes them. */
async function legacyImage(options: ImageOptions = {}): Promise<{ entries: Entry[]; configBytes: Buffer }> {
  const layers = options.layers ?? (await defaultLayers());
  const configBytes = imageConfig(layers, options.config);
  const stored = layers.map((layer) => (options.gzipLayers ? zlib.gzipSync(layer) : layer));
  const entries: Entry[] = stored.map((layer, index) => ({ name: `layer${index}/layer.tar`, body: layer }));
  entries.push({ name: `${sha256(configBytes)}.json`, body: configBytes });
  const manifest = [{ Config: `${sha256(configBytes)}.json`, RepoTags: options.repoTags ?? ['example/analysis:1'], Layers: entries.slice(0, layers.length).map((e) => e.name) }];
  entries.push({ name: 'manifest.json', body: Buffer.from(JSON.stringify(manifest)) });
  entries.push({ name: 'repositories', body: Buffer.from('{"example/analysis":{"1":"x"}}') });
  return { entries, configBytes };
}

function descriptor(mediaType: string, bytes: Buffer, extra: Record<string, unknown> = {}) {
  return { mediaType, digest: `sha256:${sha256(bytes)}`, size: bytes.length, ...extra };
}

/** The entries of an OCI image layout tarball with gzip-compressed layers. */
async function ociImage(options: ImageOptions & { index?: (index: Record<string, any>) => void } = {}): Promise<{ entries: Entry[]; configBytes: Buffer }> {
  const layers = options.layers ?? (await defaultLayers());
  const configBytes = imageConfig(layers, options.config);
  const blobs = layers.map((layer) => zlib.gzipSync(layer));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: descriptor('application/vnd.oci.image.config.v1+json', configBytes),
      layers: blobs.map((blob) => descriptor('application/vnd.oci.image.layer.v1.tar+gzip', blob)),
    }),
  );
  const index: Record<string, any> = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      descriptor('application/vnd.oci.image.manifest.v1+json', manifest, {
        annotations: { 'org.opencontainers.image.ref.name': 'lockbox/node-base:20', 'io.containerd.image.name': 'docker.io/lockbox/node-base:20', keep: 'me' },
      }),
    ],
  };
  options.index?.(index);
  const entries: Entry[] = [
    { name: 'blobs/', type: 'directory' },
    { name: 'blobs/sha256/', type: 'directory' },
    ...[...blobs, configBytes, manifest].map((blob) => ({ name: `blobs/sha256/${sha256(blob)}`, body: blob })),
    { name: 'oci-layout', body: Buffer.from('{"imageLayoutVersion":"1.0.0"}') },
    { name: 'index.json', body: Buffer.from(JSON.stringify(index)) },
  ];
  return { entries, configBytes };
}

function inspect(entries: Entry[], limits: PlatformLimits = DEFAULT_PLATFORM_LIMITS): Promise<ImageInspection> {
  return inspectImageTarball(packTar(entries), limits);
}

function rules(inspection: ImageInspection): string[] {
  return [...new Set(inspection.violations.map((violation) => violation.rule))];
}

/** Replaces the body of one entry. */
function withEntry(entries: Entry[], name: string, change: (entry: Entry) => Entry): Entry[] {
  return entries.map((entry) => (entry.name === name ? change(entry) : entry));
}

// ---- tests ---------------------------------------------------------------------------------------------

describe('inspectImageTarball', () => {
  describe('valid images', () => {
    it('accepts a docker-save (legacy) tarball and reports the image ID as the sha256 of the config bytes', async () => {
      const layers = await defaultLayers();
      const { entries, configBytes } = await legacyImage({ layers });

      const inspection = await inspect(entries);

      expect(inspection.violations).toEqual([]);
      expect(inspection).toMatchObject({ ok: true, layout: 'docker-legacy', architecture: 'amd64', os: 'linux', layers: 2 });
      expect(inspection.imageId).toBe(`sha256:${sha256(configBytes)}`);
      expect(inspection.decompressedBytes).toBe(layers[0]!.length + layers[1]!.length);
      expect(inspection.config?.entrypoint).toEqual(['/bin/analysis']);
      expect(inspection.config?.diffIds).toEqual(layers.map((layer) => `sha256:${sha256(layer)}`));
      expect(inspection.notes.join('\n')).toMatch(/RepoTags "example\/analysis:1" are ignored/);
    });

    it('accepts an OCI image layout with gzip-compressed layers, verifying every blob digest', async () => {
      const { entries, configBytes } = await ociImage();

      const inspection = await inspect(entries);

      expect(inspection.violations).toEqual([]);
      expect(inspection).toMatchObject({ ok: true, layout: 'oci', layers: 2, imageId: `sha256:${sha256(configBytes)}` });
      expect(inspection.compressedBytes).toBeLessThan(inspection.decompressedBytes);
    });

    it('accepts a tarball gzip-compressed as a whole, and says so', async () => {
      const { entries, configBytes } = await legacyImage();

      const inspection = await inspectImageTarball(Readable.from([zlib.gzipSync(await tarOf(entries))]), DEFAULT_PLATFORM_LIMITS);

      expect(inspection).toMatchObject({ ok: true, imageId: `sha256:${sha256(configBytes)}` });
      expect(inspection.notes[0]).toMatch(/gzip-compressed as a whole/);
    });

    it("accepts docker save's symlink between identical layers, and no other outer symlink", async () => {
      const layer = await tarOf([file('a.txt')]);
      const { entries } = await legacyImage({ layers: [layer, layer] });
      const deduplicated = withEntry(entries, 'layer1/layer.tar', () => ({ name: 'layer1/layer.tar', type: 'symlink', linkname: '../layer0/layer.tar' }));
      const escaping = withEntry(entries, 'layer1/layer.tar', () => ({ name: 'layer1/layer.tar', type: 'symlink', linkname: '../../etc/passwd' }));
      const elsewhere = [...entries, { name: 'notes.txt', type: 'symlink' as const, linkname: 'manifest.json' }];

      expect((await inspect(deduplicated)).violations).toEqual([]);
      expect(rules(await inspect(escaping))).toEqual(['path_escape']);
      expect(rules(await inspect(elsewhere))).toEqual(['entry_type']);
    });

    it('notes setuid files rather than refusing them (containers run with no-new-privileges)', async () => {
      const { entries } = await legacyImage({ layers: [await tarOf([file('bin/su', 'x', 0o4755)])] });

      const inspection = await inspect(entries);

      expect(inspection.ok).toBe(true);
      expect(inspection.notes.join('\n')).toMatch(/1 setuid\/setgid file\(s\), e\.g\. \/bin\/su: allowed, because containers run with no-new-privileges/);
    });
  });

  describe('the outer archive', () => {
    it('refuses random bytes as not_a_tar', async () => {
      const random = Buffer.alloc(64 * 1024);
      for (let i = 0; i < random.length; i++) random[i] = (i * 7919 + 13) % 251;

      const inspection = await inspectImageTarball(Readable.from([random]), DEFAULT_PLATFORM_LIMITS);

      expect(inspection.ok).toBe(false);
      expect(rules(inspection)).toEqual(['not_a_tar']);
      expect(inspection.layout).toBeUndefined();
    });

    it('refuses an empty upload, a truncated tar, bzip2 and corrupt gzip as not_a_tar', async () => {
      const { entries } = await legacyImage();
      const whole = await tarOf(entries);
      const uploads = [Buffer.alloc(0), whole.subarray(0, 1000), Buffer.from('BZh91AY&SY...'), Buffer.concat([zlib.gzipSync(whole).subarray(0, 200)])];

      for (const upload of uploads) {
        expect(rules(await inspectImageTarball(Readable.from([upload]), DEFAULT_PLATFORM_LIMITS))).toEqual(['not_a_tar']);
      }
    });

    it('refuses a tarball over the upload cap while receiving it', async () => {
      const { entries } = await legacyImage({ layers: [await tarOf([{ name: 'big', body: Buffer.alloc(5 * MiB, 1) }])] });

      expect(rules(await inspect(entries, SMALL_LIMITS))).toEqual(['tarball_size']);
    });

    it('refuses ../../etc/passwd and absolute paths in the outer archive', async () => {
      const { entries } = await legacyImage();

      expect(rules(await inspect([...entries, file('../../etc/passwd')]))).toEqual(['path_escape']);
      expect(rules(await inspect([...entries, file('/etc/passwd')]))).toEqual(['path_escape']);
    });

    it('refuses hardlinks, devices and duplicate names in the outer archive', async () => {
      const { entries } = await legacyImage();

      expect(rules(await inspect([...entries, { name: 'copy.json', type: 'link', linkname: 'manifest.json' }]))).toEqual(['entry_type']);
      expect(rules(await inspect([...entries, { name: 'null', type: 'character-device', devmajor: 1, devminor: 3 }]))).toEqual(['entry_type']);
      expect(rules(await inspect([...entries, file('./manifest.json', '[]')]))).toEqual(['duplicate_entry']);
    });

    it('refuses more than 10,000 outer entries and overlong names', async () => {
      const { entries } = await legacyImage();
      const many = Array.from({ length: 10_001 }, (_, index) => ({ name: `d${index}/`, type: 'directory' as const }));

      expect(rules(await inspect([...many, ...entries]))).toEqual(['entry_count']);
      expect(rules(await inspect([...entries, file(`${'x/'.repeat(150)}y`)]))).toEqual(['name_length']);
    });
  });

  describe('layout', () => {
    it('refuses a tarball with neither manifest.json nor index.json', async () => {
      expect(rules(await inspect([file('hello.txt')]))).toEqual(['layout']);
    });

    it('refuses two images in one tarball (legacy and OCI)', async () => {
      const { entries } = await legacyImage();
      const twoImages = withEntry(entries, 'manifest.json', (entry) => {
        const [item] = JSON.parse(entry.body!.toString());
        return { ...entry, body: Buffer.from(JSON.stringify([item, { ...item, RepoTags: ['other:1'] }])) };
      });
      const oci = await ociImage({ index: (index) => index.manifests.push({ ...index.manifests[0], annotations: {} }) });

      expect(rules(await inspect(twoImages))).toEqual(['multiple_images']);
      expect(rules(await inspect(oci.entries))).toEqual(['multiple_images']);
    });

    it('refuses a manifest.json over 1 MiB without reading it', async () => {
      const { entries } = await legacyImage();
      const oversize = withEntry(entries, 'manifest.json', (entry) => ({ ...entry, body: Buffer.concat([entry.body!, Buffer.alloc(MiB, ' ')]) }));

      expect(rules(await inspect(oversize))).toEqual(['json_size']);
    });

    it('refuses a manifest that names a file outside the tarball or missing from it', async () => {
      const { entries } = await legacyImage();
      const rewrite = (layer: string) =>
        withEntry(entries, 'manifest.json', (entry) => {
          const [item] = JSON.parse(entry.body!.toString());
          return { ...entry, body: Buffer.from(JSON.stringify([{ ...item, Layers: [layer, item.Layers[1]] }])) };
        });

      expect(rules(await inspect(rewrite('../../etc/passwd')))).toEqual(['path_escape']);
      expect(rules(await inspect(rewrite('nowhere/layer.tar')))).toEqual(['layout']);
    });

    it('refuses an OCI blob whose content does not match its digest', async () => {
      const { entries } = await ociImage();
      const layerBlob = entries.find((entry) => entry.name.startsWith('blobs/sha256/') && entry.body?.[0] === 0x1f)!;
      const tampered = await tarOf([file('bin/analysis', '#!/bin/sh\nrm -rf /\n')]);
      const swapped = zlib.gzipSync(tampered);
      // Same size, so only the digest can tell.
      const sameSize = Buffer.concat([swapped, Buffer.alloc(Math.max(0, layerBlob.body!.length - swapped.length))]).subarray(0, layerBlob.body!.length);
      const mismatched = withEntry(entries, layerBlob.name, (entry) => ({ ...entry, body: sameSize }));

      const inspection = await inspect(mismatched);

      expect(rules(inspection)).toContain('digest_mismatch');
      expect(inspection.violations.find((violation) => violation.rule === 'digest_mismatch')?.message).toMatch(/hashes to sha256:[a-f0-9]{64}, not to the digest that names it/);
    });

    it("refuses a layer whose uncompressed sha256 differs from the config's diff_id", async () => {
      const { entries } = await legacyImage({ config: (config) => (config.rootfs.diff_ids[1] = `sha256:${'0'.repeat(64)}`) });

      expect(rules(await inspect(entries))).toEqual(['digest_mismatch']);
    });

    it('refuses manifest.json and index.json that describe different images', async () => {
      const legacy = await legacyImage();
      const oci = await ociImage({ config: (config) => (config.config.Env = ['OTHER=1']) });
      const hybrid = [...legacy.entries, ...oci.entries];

      expect(rules(await inspect(hybrid))).toEqual(['layout']);
    });

    it('refuses 1,000 layers without streaming them', async () => {
      const empty = await tarOf([]);
      const { entries } = await legacyImage({ layers: Array.from({ length: 1000 }, () => empty) });

      const inspection = await inspect(entries);

      expect(rules(inspection)).toEqual(['layer_count']);
      expect(inspection.layers).toBe(1000);
      expect(inspection.decompressedBytes).toBe(0);
    });
  });

  describe('the image config', () => {
    it('refuses VOLUME', async () => {
      const { entries } = await legacyImage({ config: (config) => (config.config.Volumes = { '/data': {} }) });

      const inspection = await inspect(entries);

      expect(rules(inspection)).toEqual(['config']);
      expect(inspection.violations[0]!.message).toMatch(/VOLUME is not allowed: \/data/);
    });

    it('refuses WORKDIR under /proc', async () => {
      const { entries } = await legacyImage({ config: (config) => (config.config.WorkingDir = '/proc/self/fd/7') });

      expect(rules(await inspect(entries))).toEqual(['config']);
    });

    it('refuses keys the engine would read case-insensitively ("volumes", "WORKINGDIR")', async () => {
      const volumes = await legacyImage({ config: (config) => (config.config.volumes = { '/data': {} }) });
      const workdir = await legacyImage({ config: (config) => (config.config.WORKINGDIR = '/proc/self') });
      const twice = await legacyImage({ config: (config) => (config.Architecture = 'arm64') });

      expect(rules(await inspect(volumes.entries))).toEqual(['config']);
      expect(rules(await inspect(workdir.entries))).toEqual(['config']);
      expect(rules(await inspect(twice.entries))).toEqual(['config']);
    });

    it('refuses arm64 and non-linux images', async () => {
      const arm = await legacyImage({ config: (config) => (config.architecture = 'arm64') });
      const windows = await legacyImage({ config: (config) => (config.os = 'windows') });

      expect(rules(await inspect(arm.entries))).toEqual(['architecture']);
      expect(rules(await inspect(windows.entries))).toEqual(['architecture']);
    });

    it('notes USER, EXPOSE and HEALTHCHECK as ignored', async () => {
      const { entries } = await legacyImage({
        config: (config) => Object.assign(config.config, { User: 'root', ExposedPorts: { '80/tcp': {} }, Healthcheck: { Test: ['CMD', 'true'] } }),
      });

      const inspection = await inspect(entries);

      expect(inspection.ok).toBe(true);
      expect(inspection.notes.join('\n')).toMatch(/USER root is ignored[\s\S]*HEALTHCHECK is ignored[\s\S]*EXPOSE 80\/tcp is ignored/);
    });

    it('refuses a config that is not JSON', async () => {
      const { entries, configBytes } = await legacyImage();

      expect(rules(await inspect(withEntry(entries, `${sha256(configBytes)}.json`, (entry) => ({ ...entry, body: Buffer.from('{nope') }))))).toEqual(['config']);
    });
  });

  describe('inside the layers', () => {
    const layerRules = async (layerEntries: Entry[], gzipLayers = false) => rules(await inspect((await legacyImage({ layers: [await tarOf(layerEntries)], gzipLayers })).entries));

    it('refuses ../../etc/passwd and absolute paths', async () => {
      expect(await layerRules([file('../../etc/passwd')])).toEqual(['path_escape']);
      expect(await layerRules([file('app/../../etc/passwd')], true)).toEqual(['path_escape']);
      expect(await layerRules([file('/etc/passwd')])).toEqual(['path_escape']);
    });

    it('refuses writing through a symlink created earlier in the same layer', async () => {
      const linkThenWrite = [{ name: 'a', type: 'symlink' as const, linkname: '/etc' }, file('a/passwd', 'root::0:0::/:/bin/sh')];
      const replacedFirst = [{ name: 'a', type: 'symlink' as const, linkname: '/etc' }, { name: 'a', type: 'directory' as const }, file('a/passwd')];

      expect(await layerRules(linkThenWrite)).toEqual(['link_then_write']);
      expect(await layerRules(linkThenWrite, true)).toEqual(['link_then_write']);
      expect(await layerRules(replacedFirst)).toEqual([]);
    });

    it('refuses hardlinks that escape the root or go through a symlink', async () => {
      expect(await layerRules([{ name: 'shadow', type: 'link', linkname: '../../etc/shadow' }])).toEqual(['path_escape']);
      expect(await layerRules([{ name: 'shadow', type: 'link', linkname: '/etc/shadow' }])).toEqual(['path_escape']);
      expect(await layerRules([{ name: 'e', type: 'symlink', linkname: '/etc' }, { name: 'shadow', type: 'link', linkname: 'e/shadow' }])).toEqual(['link_then_write']);
      expect(await layerRules([file('bin/busybox'), { name: 'bin/sh', type: 'link', linkname: 'bin/busybox' }])).toEqual([]);
    });

    it('refuses device nodes', async () => {
      expect(await layerRules([{ name: 'dev/sda', type: 'block-device', devmajor: 8, devminor: 0 }])).toEqual(['entry_type']);
    });

    it('refuses a layer that is not a tar, or is zstd-compressed', async () => {
      const notTar = await legacyImage({ layers: [Buffer.from('this is not a tar archive, just text '.repeat(30))] });
      const zstd = await legacyImage({ layers: [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0])] });

      expect(rules(await inspect(notTar.entries))).toEqual(['layer_format']);
      expect(rules(await inspect(zstd.entries))).toEqual(['layer_format']);
    });
  });

  describe('decompressed size', () => {
    it('accepts 8 MiB of zeros under the default cap and refuses it under a 4 MiB cap', async () => {
      const zeros = Buffer.alloc(8 * MiB);
      const { entries } = await legacyImage({ layers: [zeros], gzipLayers: true });

      const under = await inspect(entries);
      const over = await inspect(entries, SMALL_LIMITS);

      expect(under).toMatchObject({ ok: true, decompressedBytes: 8 * MiB });
      expect(rules(over)).toEqual(['decompressed_size']);
      expect(over.decompressedBytes).toBeLessThanOrEqual(4 * MiB + 64 * 1024);
    });

    it('refuses a 1 GiB gzip bomb layer inside a tarball, counting no further than the cap', async () => {
      // Concatenated gzip members are one valid gzip stream: 1,024 × (1 MiB of zeros) ≈ 1 MiB compressed.
      const member = zlib.gzipSync(Buffer.alloc(MiB));
      const members = 1024;
      const bomb: Entry = {
        name: 'bomb/layer.tar',
        stream: {
          size: member.length * members,
          chunks: async function* () {
            for (let i = 0; i < members; i++) yield member;
          },
        },
      };
      const configBytes = imageConfig([Buffer.alloc(0)]);
      const entries: Entry[] = [
        bomb,
        { name: 'config.json', body: configBytes },
        { name: 'manifest.json', body: Buffer.from(JSON.stringify([{ Config: 'config.json', RepoTags: null, Layers: ['bomb/layer.tar'] }])) },
      ];

      const inspection = await inspect(entries, SMALL_LIMITS);

      expect(rules(inspection)).toEqual(['decompressed_size']);
      expect(inspection.decompressedBytes).toBeGreaterThan(4 * MiB);
      expect(inspection.decompressedBytes).toBeLessThanOrEqual(4 * MiB + 64 * 1024);
    });

    it('stops reading a gzip bomb layer as soon as the cap is passed, without inflating the rest', async () => {
      // 1024 × (4 MiB of zeros) = 4 GiB inflated, generated as it is read; `pulled` counts what was read.
      // (Node 22+ streams buffer 64 KiB each, four times Node 20's: about 60 members are read ahead.)
      const member = zlib.gzipSync(Buffer.alloc(4 * MiB));
      const members = 1024;
      let pulled = 0;
      const bomb = Readable.from(
        (async function* () {
          for (; pulled < members; pulled++) yield member;
        })(),
        { objectMode: false },
      );
      const findings = new IntakeFindings();
      const decompressedBudget = new Budget(4 * MiB, (used) => new IntakeLimitError('decompressed_size', `over the cap at ${used}`));

      const reading = inspectLayer(bomb, { label: 'layer 1', decompressedBudget, entryBudget: new Budget(1000, () => new Error('too many')), findings });

      await expect(reading).rejects.toMatchObject({ rule: 'decompressed_size' });
      expect(decompressedBudget.used).toBeLessThanOrEqual(4 * MiB + 64 * 1024);
      // Only the first few members were read (the rest of the pipeline's buffers are a few more).
      expect(pulled).toBeLessThan(members / 8);
      expect(bomb.destroyed).toBe(true);
    });
  });
});

describe('sanitizeImageTarball', () => {
  async function entriesOf(tarball: Readable): Promise<Map<string, Buffer>> {
    const entries = new Map<string, Buffer>();
    await walkTar(tarball, async (header, body) => {
      entries.set(header.name, await collect(body));
    });
    return entries;
  }

  it('drops repositories, empties RepoTags and passes every other entry through unchanged', async () => {
    const { entries } = await legacyImage({ repoTags: ['lockbox/node-base:20'] });

    const sanitized = await entriesOf(sanitizeImageTarball(packTar(entries)));

    expect(sanitized.has('repositories')).toBe(false);
    const [item] = JSON.parse(sanitized.get('manifest.json')!.toString());
    expect(item.RepoTags).toBeNull();
    for (const entry of entries.filter((e) => e.name !== 'manifest.json' && e.name !== 'repositories')) {
      expect(sanitized.get(entry.name)).toEqual(entry.body);
    }
  });

  it('rebuilds manifest.json items so a case-variant "repotags" key cannot survive', async () => {
    const { entries } = await legacyImage();
    const sneaky = withEntry(entries, 'manifest.json', (entry) => {
      const [item] = JSON.parse(entry.body!.toString());
      return { ...entry, body: Buffer.from(JSON.stringify([{ ...item, repotags: ['lockbox/node-base:20'] }])) };
    });

    const sanitized = await entriesOf(sanitizeImageTarball(packTar(sneaky)));

    expect(Object.keys(JSON.parse(sanitized.get('manifest.json')!.toString())[0])).toEqual(['Config', 'RepoTags', 'Layers']);
  });

  it('strips image-name annotations from an OCI index.json, keeping the others', async () => {
    const { entries } = await ociImage();

    const sanitized = await entriesOf(sanitizeImageTarball(Readable.from([zlib.gzipSync(await tarOf(entries))])));

    const index = JSON.parse(sanitized.get('index.json')!.toString());
    expect(index.manifests[0].annotations).toEqual({ keep: 'me' });
  });

  it('appends a manifest.json to an OCI-only layout, naming the same config and layers, untagged', async () => {
    const { entries, configBytes } = await ociImage();

    const sanitized = await collect(sanitizeImageTarball(packTar(entries)));
    const manifest = JSON.parse((await entriesOf(Readable.from([sanitized]))).get('manifest.json')!.toString());
    const inspection = await inspectImageTarball(Readable.from([sanitized]), DEFAULT_PLATFORM_LIMITS);

    expect(manifest).toEqual([{ Config: `blobs/sha256/${sha256(configBytes)}`, RepoTags: null, Layers: [expect.stringMatching(/^blobs\/sha256\//), expect.any(String)] }]);
    // Both layouts now, naming the same image: what the engine loads is what was inspected.
    expect(inspection).toMatchObject({ ok: true, layout: 'docker-legacy', imageId: `sha256:${sha256(configBytes)}` });
  });

  it('produces a tarball that still inspects as the same image', async () => {
    const { entries, configBytes } = await legacyImage();

    const inspection = await inspectImageTarball(sanitizeImageTarball(packTar(entries)), DEFAULT_PLATFORM_LIMITS);

    expect(inspection).toMatchObject({ ok: true, imageId: `sha256:${sha256(configBytes)}` });
  });

  it('fails the output stream when the tarball cannot be read', async () => {
    await expect(collect(sanitizeImageTarball(Readable.from([Buffer.alloc(4096, 7)])))).rejects.toThrow();
  });
});
